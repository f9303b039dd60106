using System.Text.Json;
using Aiprod.Application.Accounts.Commands.ChangePassword;
using Aiprod.Application.Accounts.Commands.DisableUser;
using Aiprod.Application.Accounts.Commands.PromoteToAdmin;
using Aiprod.Application.Admin.Commands.CancelUserJob;
using Aiprod.Application.Admin.Commands.ChangeUserRole;
using Aiprod.Application.Admin.Commands.EnableUser;
using Aiprod.Application.Admin.Commands.RequeueJob;
using Aiprod.Application.Admin.Commands.RevokeUserApiKey;
using Aiprod.Application.Admin.Commands.RevokeUserSession;
using Aiprod.Application.Admin.Commands.UnlockUser;
using Aiprod.Application.ApiKeys.Commands.CreateApiKey;
using Aiprod.Application.ApiKeys.Commands.RevokeAllApiKeys;
using Aiprod.Application.ApiKeys.Commands.RevokeApiKey;
using Aiprod.Application.ApiKeys.Commands.RotateApiKey;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Commands.AppendLogs;
using Aiprod.Application.Jobs.Commands.CancelJob;
using Aiprod.Application.Jobs.Commands.ClaimJob;
using Aiprod.Application.Jobs.Commands.CompleteJob;
using Aiprod.Application.Jobs.Commands.ExpireLeases;
using Aiprod.Application.Jobs.Commands.FailJob;
using Aiprod.Application.Jobs.Commands.ReportProgress;
using Aiprod.Application.Jobs.Commands.SubmitJob;
using Aiprod.Application.Sessions.Commands.EndSession;
using Aiprod.Application.Sessions.Commands.EndRemainingSessions;
using Aiprod.Application.Sessions.Commands.LogoutAll;
using Aiprod.Application.Sessions.Commands.RevokeRefreshToken;
using Aiprod.Application.Sessions.Commands.RevokeToken;
using Aiprod.Application.Webhooks.Commands.CreateWebhook;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Tests;

public sealed class RetryDeclarationTests
{
    /// <summary>
    /// Every command that changes what another request may change at once is run again when its commit loses the
    /// race (a dropped declaration turns that race into a 409 for the caller); the bounds above the default carry
    /// their reasons in the commands.
    /// </summary>
    [Fact]
    public void CommandsThatMayLoseARace_DeclareHowOftenTheyAreRunAgain()
    {
        var clock = Given.AClock();
        var ann = Given.AUser(clock);
        var key = Given.AWorkerKey(ann, clock);
        var job = Given.AJob(ann, clock);
        var session = Given.ASession(ann, clock);
        using var output = JsonDocument.Parse("{}");

        (object Command, int MaxAttempts)[] declared =
        [
            (new ClaimJobCommand(key.Id, ann.Id, null), 8),
            (new SubmitJobCommand(ann.Id, "c", null, null, null, null, "k"), 3),
            (new CreateWebhookCommand(ann.Id, "https://example.com/hook", ["job.completed"], null, "k"), 3),
            (new ReportProgressCommand(key.Id, key.OwnerId, job.Id, 10, null), 3),
            (new AppendLogsCommand(key.Id, key.OwnerId, job.Id, [(JobLogLevel.Info, "x")]), 3),
            (new CompleteJobCommand(key.Id, key.OwnerId, job.Id, output.RootElement, null), 3),
            (new FailJobCommand(key.Id, key.OwnerId, job.Id, "x", null), 3),
            (new CancelJobCommand(ann.Id, job.Id), 3),
            (new ExpireLeasesCommand(), 3),
            (new ChangePasswordCommand(ann.Id, "a", "b"), 10),
            (new DisableUserCommand(ann.Id, ann.Id, "r"), 10),
            (new EnableUserCommand(ann.Id, "r"), 3),
            (new UnlockUserCommand(ann.Id, "r"), 3),
            (new ChangeUserRoleCommand(ann.Id, ann.Id, UserRole.User, "r"), 10),
            (new RevokeUserSessionCommand(ann.Id, session.Id, "r"), 3),
            (new RevokeUserApiKeyCommand(key.Id, "r"), 3),
            (new CancelUserJobCommand(job.Id, "r"), 3),
            (new RequeueJobCommand(job.Id, "r"), 3),
            (new PromoteToAdminCommand("ann@example.com"), 3),
            (new CreateApiKeyCommand(ann.Id, "k", null, null), 10),
            (new RotateApiKeyCommand(ann.Id, key.Id, null), 10),
            (new RevokeApiKeyCommand(ann.Id, key.Id, null), 3),
            (new RevokeAllApiKeysCommand(ann.Id, true, null), 3),
            (new EndSessionCommand(ann.Id, session.Id), 3),
            (new EndRemainingSessionsCommand(ann.Id, "user_disabled"), 10),
            (new LogoutAllCommand(ann.Id), 3),
            (new RevokeRefreshTokenCommand(ann.Id, "t"), 3),
            (new RevokeTokenCommand("t", null), 3),
        ];

        Assert.All(declared, d => Assert.Equal(d.MaxAttempts, Assert.IsAssignableFrom<IRetryOnConflict>(d.Command).MaxAttempts));
    }
}
