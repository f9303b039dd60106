using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Application.Sessions.Commands.EndRemainingSessions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aiprod.Application.Common;

/// <summary>
/// Tells the rest of the system what a committed change did, through the Application ports: job events to live
/// subscribers, ended sessions and invalidated keys to every instance. What it announces is already committed, so
/// a failed announcement is logged and never fails the request (the ports' backstops catch up: the revocation
/// reload, the key cache's time to live, a socket's replay). The follow-up of a disabled or demoted account is a change
/// of its own, run in a fresh scope with its own retries; the change is committed whatever it does, so its failure is
/// logged as an error (the sessions it could not end live on until their access tokens expire) and never answered as
/// the change's.
/// </summary>
public sealed partial class DomainEventPublisher(
    IJobEventBus jobEvents,
    ISessionRevocations revocations,
    IApiKeyCache apiKeyCache,
    IServiceScopeFactory scopes,
    ILogger<DomainEventPublisher> logger)
{
    public async Task PublishAsync(IReadOnlyList<IDomainEvent> raised, CancellationToken cancellationToken)
    {
        if (raised.Count == 0)
        {
            return;
        }

        var jobs = raised.OfType<JobEventRecorded>().Select(e => e.Event)
            .OrderBy(e => e.JobId.Value).ThenBy(e => e.Sequence).Select(JobEventDto.Of).ToList();
        if (jobs.Count > 0)
        {
            await AnnounceAsync("job events", () => jobEvents.PublishAsync(jobs, cancellationToken));
        }

        var sessions = raised.OfType<SessionRevoked>().Select(e => e.FamilyId).Distinct().ToList();
        if (sessions.Count > 0)
        {
            await AnnounceAsync("session revocations", () => revocations.PublishAsync(sessions, cancellationToken));
        }

        var keys = raised.OfType<ApiKeyInvalidated>().Select(e => e.KeyHash).Distinct().ToList();
        if (keys.Count > 0)
        {
            await AnnounceAsync("key invalidations", () => apiKeyCache.InvalidateAsync(keys, cancellationToken));
        }

        foreach (var withdrawn in raised.OfType<IUserAccessWithdrawn>())
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ISender>()
                    .Send(new EndRemainingSessionsCommand(withdrawn.UserId, withdrawn.SessionEndReason), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSecondLookFailed(ex, withdrawn.UserId, withdrawn.SessionEndReason);
            }
        }
    }

    private async Task AnnounceAsync(string what, Func<Task> announce)
    {
        try
        {
            await announce();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAnnouncementFailed(ex, what);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The second look after withdrawing access of {UserId} ({Reason}) failed; sessions a racing login opened may live until their access tokens expire")]
    private partial void LogSecondLookFailed(Exception ex, UserId userId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {What} after a commit failed; the backstops will catch up")]
    private partial void LogAnnouncementFailed(Exception ex, string what);
}
