using System.Text.Json;
using Aiprod.Application.Common;
using Aiprod.Application;
using Aiprod.Application.Accounts.Commands.ChangePassword;
using Aiprod.Application.Accounts.Commands.DisableUser;
using Aiprod.Application.Accounts.Commands.Login;
using Aiprod.Application.Accounts.Commands.PromoteToAdmin;
using Aiprod.Application.Accounts.Commands.RegisterUser;
using Aiprod.Application.Admin.Commands.CancelUserExport;
using Aiprod.Application.Admin.Commands.CancelUserJob;
using Aiprod.Application.Admin.Commands.ChangeUserRole;
using Aiprod.Application.Admin.Commands.DisableUserWebhook;
using Aiprod.Application.Admin.Commands.EnableUser;
using Aiprod.Application.Admin.Commands.RequeueJob;
using Aiprod.Application.Admin.Commands.RevokeUserApiKey;
using Aiprod.Application.Admin.Commands.RevokeUserSession;
using Aiprod.Application.Admin.Commands.UnlockUser;
using Aiprod.Application.ApiKeys.Commands.CreateApiKey;
using Aiprod.Application.Jobs.Commands.StartJobBatch;
using Aiprod.Application.ApiKeys.Commands.RevokeAllApiKeys;
using Aiprod.Application.ApiKeys.Commands.RevokeApiKey;
using Aiprod.Application.Exports.Commands.CompleteExport;
using Aiprod.Application.Exports.Commands.CreateExport;
using Aiprod.Application.Exports.Commands.FailExport;
using Aiprod.Application.Jobs.Commands.AppendLogs;
using Aiprod.Application.Jobs.Commands.CompleteJob;
using Aiprod.Application.Jobs.Commands.FailJob;
using Aiprod.Application.Jobs.Commands.ReportProgress;
using Aiprod.Application.Jobs.Commands.SubmitJob;
using Aiprod.Application.Sessions.Commands.Logout;
using Aiprod.Application.Sessions.Commands.RefreshTokens;
using Aiprod.Application.Sessions.Commands.RevokeRefreshToken;
using Aiprod.Application.Sessions.Commands.RevokeToken;
using Aiprod.Application.Webhooks.Commands.CreateWebhook;
using Aiprod.Application.Webhooks.Commands.UpdateWebhook;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Aiprod.Infrastructure.Persistence;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Infrastructure.Tests;

/// <summary>
/// Every string a caller supplies must fit the column it is stored in, on both providers: SQLite ignores declared
/// lengths, so only SQL Server would refuse an overflow, in production, as a 500. Each command's text is either
/// mapped to its column here, and its validator must refuse anything longer, or named as never stored as given.
/// </summary>
public sealed class ColumnLimitTests
{
    private static readonly UserId Owner = new(Guid.CreateVersion7());
    private static readonly ApiKeyId Key = new(Guid.CreateVersion7());
    private static readonly JobId Job = new(Guid.CreateVersion7());
    private static readonly WebhookId Webhook = new(Guid.CreateVersion7());
    private const string Password = "correct horse battery staple";

    /// <summary>Where a command's text is stored. <paramref name="Build"/> makes an otherwise valid command around the text.</summary>
    public sealed record Destination(Type Command, string Property, Type Entity, string Column, Func<string, object> Build, string Fits, Func<int, string>? TextOfLength = null)
    {
        public override string ToString() => $"{Command.Name}.{Property} -> {Entity.Name}.{Column}";
    }

    private static readonly Destination[] Destinations =
    [
        new(typeof(RegisterUserCommand), "Email", typeof(User), nameof(User.Email), s => new RegisterUserCommand(s, Password, null), "ann@example.com", EmailOfLength),
        new(typeof(RegisterUserCommand), "DisplayName", typeof(User), nameof(User.DisplayName), s => new RegisterUserCommand("ann@example.com", Password, s), "Ann"),
        new(typeof(LoginCommand), "Email", typeof(AuditEvent), nameof(AuditEvent.Target), s => new LoginCommand(s, Password), "ann@example.com", EmailOfLength),
        new(typeof(CreateApiKeyCommand), "Name", typeof(ApiKey), nameof(ApiKey.Name), s => new CreateApiKeyCommand(Owner, s, null, null), "ci"),
        new(typeof(RevokeApiKeyCommand), "Reason", typeof(ApiKey), nameof(ApiKey.RevocationReason), s => new RevokeApiKeyCommand(Owner, Key, s), "leaked"),
        new(typeof(RevokeAllApiKeysCommand), "Reason", typeof(ApiKey), nameof(ApiKey.RevocationReason), s => new RevokeAllApiKeysCommand(Owner, true, s), "leaked"),
        new(typeof(SubmitJobCommand), "Content", typeof(PipelineJob), nameof(PipelineJob.Content), s => new SubmitJobCommand(Owner, s, null, null, null, null), "A teaser"),
        new(typeof(SubmitJobCommand), "Lang", typeof(PipelineJob), nameof(PipelineJob.Lang), s => new SubmitJobCommand(Owner, "A teaser", null, null, s, null), "pt-BR"),
        new(typeof(SubmitJobCommand), "IdempotencyKey", typeof(IdempotencyRecord), nameof(IdempotencyRecord.Key), s => new SubmitJobCommand(Owner, "A teaser", null, null, null, null, s), "key-1"),
        new(typeof(StartJobBatchCommand), "IdempotencyKey", typeof(IdempotencyRecord), nameof(IdempotencyRecord.Key), s => new StartJobBatchCommand(Owner, s, []), "key-1"),
        new(typeof(ReportProgressCommand), "Message", typeof(JobEvent), nameof(JobEvent.Message), s => new ReportProgressCommand(Key, Owner, Job, 10, s), "scene 2"),
        new(typeof(AppendLogsCommand), "Lines", typeof(JobEvent), nameof(JobEvent.Message), s => new AppendLogsCommand(Key, Owner, Job, [(JobLogLevel.Info, s)]), "weights loaded"),
        new(typeof(FailJobCommand), "ErrorMessage", typeof(PipelineJob), nameof(PipelineJob.ErrorMessage), s => new FailJobCommand(Key, Owner, Job, s, null), "CUDA out of memory"),
        new(typeof(FailJobCommand), "ErrorMessage", typeof(JobEvent), nameof(JobEvent.Message), s => new FailJobCommand(Key, Owner, Job, s, null), "CUDA out of memory"),
        new(typeof(CreateExportCommand), "IdempotencyKey", typeof(ExportJob), nameof(ExportJob.IdempotencyKey), s => new CreateExportCommand(Owner, ExportFormat.Csv, null, null, null, null, null, null, null, s), "key-1"),
        new(typeof(CreateWebhookCommand), "Url", typeof(WebhookSubscription), nameof(WebhookSubscription.Url), s => new CreateWebhookCommand(Owner, s, ["job.completed"], null), "https://hooks.example.com/x", UrlOfLength),
        new(typeof(CreateWebhookCommand), "Description", typeof(WebhookSubscription), nameof(WebhookSubscription.Description), s => new CreateWebhookCommand(Owner, "https://hooks.example.com/x", ["job.completed"], s), "ci"),
        new(typeof(CreateWebhookCommand), "IdempotencyKey", typeof(IdempotencyRecord), nameof(IdempotencyRecord.Key), s => new CreateWebhookCommand(Owner, "https://hooks.example.com/x", ["job.completed"], null, s), "key-1"),
        new(typeof(UpdateWebhookCommand), "Url", typeof(WebhookSubscription), nameof(WebhookSubscription.Url), s => new UpdateWebhookCommand(Owner, Webhook, s, null, null, null), "https://hooks.example.com/x", UrlOfLength),
        new(typeof(UpdateWebhookCommand), "Description", typeof(WebhookSubscription), nameof(WebhookSubscription.Description), s => new UpdateWebhookCommand(Owner, Webhook, null, null, s, null), "ci"),
        new(typeof(CompleteJobCommand), "Output", typeof(PipelineJob), nameof(PipelineJob.ResultOutput), s => new CompleteJobCommand(Key, Owner, Job, JsonDocument.Parse(s).RootElement, null), "{\"ok\":true}", JsonOfLength),
    ];

    private const string AdminReasonStored = "an admin's reason (at most 500 characters, the validator) goes into the audit event's details, an unbounded column";

    /// <summary>Text that commands carry but never store as given, and why.</summary>
    private static readonly Dictionary<(Type, string), string> NotStored = new()
    {
        [(typeof(RegisterUserCommand), "Password")] = "stored as a hash",
        [(typeof(Aiprod.Application.Sessions.Commands.EndRemainingSessions.EndRemainingSessionsCommand), "Reason")] =
            "a fixed code of the domain event (user_disabled, role_changed), never a caller's text",
        [(typeof(LoginCommand), "Password")] = "compared with the stored hash",
        [(typeof(ChangePasswordCommand), "CurrentPassword")] = "compared with the stored hash",
        [(typeof(ChangePasswordCommand), "NewPassword")] = "stored as a hash",
        [(typeof(PromoteToAdminCommand), "Email")] = "looked up; the audit names the user by id",
        [(typeof(RefreshTokensCommand), "RefreshToken")] = "looked up by its SHA-256",
        [(typeof(RevokeRefreshTokenCommand), "RefreshToken")] = "looked up by its SHA-256",
        [(typeof(LogoutCommand), "RefreshToken")] = "looked up by its SHA-256",
        [(typeof(RevokeTokenCommand), "Token")] = "looked up by its SHA-256, or read as a JWT",
        [(typeof(RevokeTokenCommand), "TokenTypeHint")] = "only orders the look-ups",
        [(typeof(SubmitJobCommand), "IdempotencyScope")] = "one of the fixed IdempotencyScopes, set by the API, never a caller's text; each fits IdempotencyRecord.ScopeMaxLength",
        [(typeof(CreateExportCommand), "Columns")] = "stored as one JSON array in an unbounded column; each name is capped by the validator",
        [(typeof(FailExportCommand), "Message")] = "sent by the runner, not a caller; the aggregate cuts it to the column's length",
        [(typeof(CompleteExportCommand), "FileKey")] = "made by the runner from the export's id, attempt and extension",
        [(typeof(CompleteExportCommand), "Sha256")] = "computed by the runner: 64 hex digits",
        [(typeof(CreateWebhookCommand), "Events")] = "each must be one of the fixed event names (the validator); stored joined, all of them fit the column",
        [(typeof(UpdateWebhookCommand), "Events")] = "each must be one of the fixed event names (the validator); stored joined, all of them fit the column",
        [(typeof(DisableUserCommand), "Reason")] = AdminReasonStored,
        [(typeof(EnableUserCommand), "Reason")] = AdminReasonStored,
        [(typeof(UnlockUserCommand), "Reason")] = AdminReasonStored,
        [(typeof(ChangeUserRoleCommand), "Reason")] = AdminReasonStored,
        [(typeof(RevokeUserSessionCommand), "Reason")] = AdminReasonStored,
        [(typeof(RevokeUserApiKeyCommand), "Reason")] = AdminReasonStored + "; the key's revocation reason keeps its first ApiKey.ReasonMaxLength characters",
        [(typeof(CancelUserJobCommand), "Reason")] = AdminReasonStored,
        [(typeof(RequeueJobCommand), "Reason")] = AdminReasonStored,
        [(typeof(CancelUserExportCommand), "Reason")] = AdminReasonStored,
        [(typeof(DisableUserWebhookCommand), "Reason")] = AdminReasonStored + "; the subscription's disabled reason keeps its first WebhookSubscription.DisabledReasonMaxLength characters",
    };

    public static TheoryData<Destination> AllDestinations() => [.. Destinations];

    private static readonly IServiceProvider Validators = new ServiceCollection().AddOptions().AddApplication().BuildServiceProvider();

    private static List<IValidator> ValidatorsOf(Type command) =>
        Validators.CreateScope().ServiceProvider.GetServices(typeof(IValidator<>).MakeGenericType(command)).Cast<IValidator>().ToList();

    private static IEnumerable<IModel> Models()
    {
        using var sqlite = new SqliteAiprodDbContext(new DbContextOptionsBuilder<SqliteAiprodDbContext>().UseSqlite("Data Source=:memory:").Options);
        using var sqlServer = new SqlServerAiprodDbContext(new DbContextOptionsBuilder<SqlServerAiprodDbContext>().UseSqlServer("Server=unused;Database=aiprod").Options);
        return [sqlite.GetService<IDesignTimeModel>().Model, sqlServer.GetService<IDesignTimeModel>().Model];
    }

    /// <summary>The tightest column limit over both providers; null when the column is unbounded on both.</summary>
    private static int? ColumnLimit(Type entity, string column)
    {
        var limits = Models().Select(m => (m.FindEntityType(entity)?.FindProperty(column) ?? throw new InvalidOperationException($"{entity.Name}.{column} is not in the model")).GetMaxLength()).ToList();
        return limits.Any(l => l is not null) ? limits.Where(l => l is not null).Min() : null;
    }

    private static string EmailOfLength(int length) => new string('a', length - "@example.com".Length) + "@example.com";

    private static string UrlOfLength(int length) => "https://hooks.example.com/" + new string('a', length - "https://hooks.example.com/".Length);

    private static string JsonOfLength(int length) => "{\"s\":\"" + new string('a', length - 8) + "\"}";

    [Theory]
    [MemberData(nameof(AllDestinations))]
    public void TextLongerThanItsColumn_IsRefusedByTheValidator(Destination destination)
    {
        var validators = ValidatorsOf(destination.Command);
        Assert.NotEmpty(validators);
        Assert.All(validators, v => Assert.True(v.Validate(new ValidationContext<object>(destination.Build(destination.Fits))).IsValid, $"{destination}: the short value should pass"));

        var limit = ColumnLimit(destination.Entity, destination.Column);
        if (limit is null)
        {
            return;
        }

        var tooLong = (destination.TextOfLength ?? (n => new string('a', n)))(limit.Value + 1);
        var errors = validators.SelectMany(v => v.Validate(new ValidationContext<object>(destination.Build(tooLong))).Errors).ToList();
        Assert.Contains(errors, e => e.PropertyName.StartsWith(destination.Property, StringComparison.Ordinal));
    }

    [Fact]
    public void EveryMaximumLengthRule_IsWithinItsColumn()
    {
        foreach (var command in Commands())
        {
            foreach (var validator in ValidatorsOf(command))
            {
                foreach (var (property, rules) in validator.CreateDescriptor().GetMembersWithValidators()
                    .Select(m => (m.Key, validator.CreateDescriptor().GetValidatorsForMember(m.Key).Select(r => r.Validator).OfType<ILengthValidator>())))
                {
                    foreach (var rule in rules.Where(r => r.Max > 0))
                    {
                        if (NotStored.ContainsKey((command, property)))
                        {
                            continue;
                        }

                        var columns = Destinations.Where(d => d.Command == command && d.Property == property).ToList();
                        Assert.True(columns.Count > 0, $"{command.Name}.{property} has a length rule but no column here: map it, or say why it is not stored");
                        Assert.All(columns, d => Assert.True(ColumnLimit(d.Entity, d.Column) is not { } limit || rule.Max <= limit,
                            $"{d}: the validator allows {rule.Max} characters, the column {ColumnLimit(d.Entity, d.Column)}"));
                    }
                }
            }
        }
    }

    [Fact]
    public void EveryTextACommandCarries_IsMappedToAColumnOrSaidNotToBeStored()
    {
        var unaccounted = Commands()
            .SelectMany(c => c.GetProperties().Where(p => CarriesText(p.PropertyType)).Select(p => (c, p.Name)))
            .Where(k => !NotStored.ContainsKey(k) && !Destinations.Any(d => d.Command == k.c && d.Property == k.Name))
            .Select(k => $"{k.c.Name}.{k.Name}")
            .ToList();

        Assert.Empty(unaccounted);
    }

    [Fact]
    public void AllWebhookEventsTogether_FitTheEventsColumn() =>
        Assert.True(string.Join(' ', WebhookEventTypes.Subscribable).Length <= ColumnLimit(typeof(WebhookSubscription), nameof(WebhookSubscription.Events)));

    [Fact]
    public void AllScopesTogether_FitTheScopesColumn() =>
        Assert.True(string.Join(' ', ApiKeyScopes.All.Select(EnumNames.Of)).Length <= ColumnLimit(typeof(ApiKey), "scopes"));

    [Fact]
    public void EveryLogLevel_FitsTheLevelColumn() =>
        Assert.All(EnumNames.All<JobLogLevel>(), name => Assert.True(name.Length <= ColumnLimit(typeof(JobEvent), nameof(JobEvent.Level)), name));

    [Fact]
    public void ADisplayNameTakenFromALongLocalPart_FitsItsColumn()
    {
        Assert.True(Email.TryCreate(new string('a', 120) + "@example.com", out var email));

        var user = User.Register(email, displayName: null, "hash", DateTimeOffset.UnixEpoch);

        Assert.True(user.DisplayName.Length <= ColumnLimit(typeof(User), nameof(User.DisplayName)), $"{user.DisplayName.Length} characters");
    }

    private static IEnumerable<Type> Commands() =>
        typeof(Application.DependencyInjection).Assembly.GetTypes().Where(t => t.GetInterfaces().Any(i => i.Namespace == "Mediator" && i.Name.StartsWith("ICommand", StringComparison.Ordinal)));

    private static bool CarriesText(Type type) =>
        type == typeof(string) || type == typeof(JsonElement)
        || (type.IsGenericType && type.GetGenericArguments().Any(CarriesText))
        || (type.IsArray && CarriesText(type.GetElementType()!));
}
