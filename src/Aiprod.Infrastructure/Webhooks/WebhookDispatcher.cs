using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Webhooks;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Webhooks;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Aiprod.Infrastructure.Webhooks;

/// <summary>
/// Sends due webhook deliveries. The dispatcher keeps up to <see cref="WebhookOptions.BatchSize"/> sends in flight and
/// claims more as sends end, so a slow receiver holds only its own slots, and at most
/// <see cref="WebhookOptions.MaxInFlightPerSubscription"/> of them per subscription, so a slow or dead receiver cannot
/// hold them all. Each delivery is claimed under a lease (the row's version decides between instances claiming the
/// same row, so each attempt is made by one of them), sent, and recorded where the lease is still held: a 2xx ends
/// the delivery, anything else (another status, a redirect, a refused address, a timeout) schedules the next attempt
/// along <see cref="WebhookRetrySchedule"/>. A dispatcher that dies mid-send leaves a lease that lapses, and the
/// delivery is sent again: at least once, never lost. A subscription failing for longer than
/// <see cref="WebhookOptions.DisableAfterFailingFor"/> is disabled and audited.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
    IHttpClientFactory httpClients,
    IWebhookSecrets secrets,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";

    private const int MaxRecordTries = 5;

    private const int MaxRecordTransientTries = 12;

    private readonly Lock gate = new();

    // The sends of this instance in flight, in all and per subscription; guarded by gate.
    private readonly Dictionary<WebhookId, int> inFlightBySubscription = [];

    private int inFlight;

    // Set when a send ends (a slot is free); replaced before each fill, so an end during a fill is not missed.
    private TaskCompletionSource slotFreed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Claims what is due into the free slots, sends it and waits for those sends to be recorded. For tests and the
    /// bench, which step the clock; the hosted loop does not wait for a round but claims again as each send ends.
    /// </summary>
    /// <returns>How many attempts this round made.</returns>
    public async Task<int> RunRoundAsync(CancellationToken cancellationToken)
    {
        var made = await Task.WhenAll(await FillAsync(cancellationToken));
        return made.Count(m => m);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DispatcherEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.PollInterval, clock);
        try
        {
            var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
            var freed = NewSlotSignal();
            while (true)
            {
                // A send that ends frees a slot: claim at once rather than at the next tick.
                await Task.WhenAny(tick, freed);
                if (tick.IsCompleted)
                {
                    if (!await tick)
                    {
                        break;
                    }

                    tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                }

                freed = NewSlotSignal();
                try
                {
                    await FillAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Also a cancellation not caused by shutdown (a timeout inside a query): the loop must outlive it.
                    LogRoundFailed(ex, options.Value.PollInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; what is in flight is cancelled, and sent again once its lease lapses.
        }
        finally
        {
            await AllSendsEndedAsync();
        }
    }

    private Task NewSlotSignal()
    {
        lock (gate)
        {
            slotFreed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return slotFreed.Task;
        }
    }

    private async Task AllSendsEndedAsync()
    {
        while (true)
        {
            Task freed;
            lock (gate)
            {
                if (inFlight == 0)
                {
                    return;
                }

                slotFreed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                freed = slotFreed.Task;
            }

            await freed;
        }
    }

    /// <summary>
    /// Claims due deliveries into the free slots, keeping each subscription within its share, and starts their sends.
    /// A pass that skipped a subscription at its share looks again without it, so the deliveries behind a slow
    /// subscription's backlog are reached in the same fill.
    /// </summary>
    /// <returns>The sends started, each answering whether an attempt was made.</returns>
    private async Task<List<Task<bool>>> FillAsync(CancellationToken cancellationToken)
    {
        var started = new List<Task<bool>>();
        while (true)
        {
            int free;
            List<WebhookId> full;
            lock (gate)
            {
                free = options.Value.BatchSize - inFlight;
                full = [.. inFlightBySubscription.Where(s => s.Value >= options.Value.MaxInFlightPerSubscription).Select(s => s.Key)];
            }

            if (free <= 0)
            {
                return started;
            }

            if (!await ClaimAsync(free, full, started, cancellationToken))
            {
                return started;
            }
        }
    }

    private async Task<bool> SendInSlotAsync(Claimed claimed, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAndRecordAsync(claimed, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down mid-send: the lease lapses and the attempt is made again.
            return false;
        }
        catch (Exception ex)
        {
            LogRecordFailed(ex, claimed.DeliveryId);
            return true;
        }
        finally
        {
            lock (gate)
            {
                inFlight--;
                var id = claimed.Subscription.Id;
                if (--inFlightBySubscription[id] == 0)
                {
                    inFlightBySubscription.Remove(id);
                }

                slotFreed.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Claims up to <paramref name="free"/> due deliveries, none of the subscriptions in <paramref name="full"/> and
    /// none past a subscription's share, each under its lease, and starts each one's send in a slot as soon as it is
    /// claimed (a claim never holds a slot without its send, even when a later claim of the pass throws).
    /// </summary>
    /// <returns>Whether more may be due now (a delivery was skipped for its share or taken by another instance).</returns>
    private async Task<bool> ClaimAsync(int free, List<WebhookId> full, List<Task<bool>> started, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var now = clock.GetUtcNow();
        var due = await db.WebhookDeliveries
            .Where(d => d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LeaseExpiresAt == null || d.LeaseExpiresAt <= now))
            .Where(d => !full.Contains(d.SubscriptionId))
            .OrderBy(d => d.NextAttemptAt)
            .Take(free)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return false;
        }

        var subscriptionIds = due.Select(d => d.SubscriptionId).Distinct().ToList();
        var subscriptions = await db.WebhookSubscriptions.AsNoTracking()
            .Where(s => subscriptionIds.Contains(s.Id))
            .ToDictionaryAsync(s => s.Id, cancellationToken);

        var skipped = false;
        foreach (var delivery in due)
        {
            var subscription = subscriptions.GetValueOrDefault(delivery.SubscriptionId);
            Guid? token = null;
            if (subscription is { Enabled: true })
            {
                bool atShare;
                lock (gate)
                {
                    atShare = inFlightBySubscription.GetValueOrDefault(delivery.SubscriptionId) >= settings.MaxInFlightPerSubscription;
                }

                if (atShare)
                {
                    // Its subscription holds its share of the slots: it waits, and the rest of the due deliveries go on.
                    db.Entry(delivery).State = EntityState.Detached;
                    skipped = true;
                    continue;
                }

                token = delivery.Claim(now, settings.Lease);
            }
            else
            {
                // Disabled since the event was written: nothing is sent to it until its owner enables it again.
                delivery.Abandon(now);
            }

            try
            {
                await db.SaveChangesAsync(CancellationToken.None);
            }
            catch (DbUpdateConcurrencyException)
            {
                // Another dispatcher claimed it first. Only this row is let go: the rest stay tracked, so their claims are written.
                db.Entry(delivery).State = EntityState.Detached;
                skipped = true;
                continue;
            }

            if (token is { } held)
            {
                lock (gate)
                {
                    inFlight++;
                    inFlightBySubscription[delivery.SubscriptionId] = inFlightBySubscription.GetValueOrDefault(delivery.SubscriptionId) + 1;
                }

                var claimed = new Claimed(delivery.Id, held, delivery.LeaseExpiresAt!.Value, delivery.MessageId, delivery.Payload, subscription!);
                started.Add(Task.Run(() => SendInSlotAsync(claimed, cancellationToken), CancellationToken.None));
            }
        }

        return skipped && due.Count == free;
    }

    /// <returns>Whether an attempt was made (false when it could not be signed).</returns>
    private async Task<bool> SendAndRecordAsync(Claimed claimed, CancellationToken cancellationToken)
    {
        // The secrets as they are now, not as the claim pass read them: a rotation with revoke_previous that committed
        // in between (the claim may wait for the write lock) must not have its revoked secret sign this attempt.
        if (await CurrentSubscriptionAsync(claimed, cancellationToken) is not { } current)
        {
            return false;
        }

        claimed = claimed with { Subscription = current };
        if (Sign(claimed) is not { } signed)
        {
            return false;
        }

        var outcome = await SendAsync(claimed, signed, cancellationToken);
        var pause = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RecordAsync(claimed, outcome);
                return true;
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxRecordTries)
            {
                // The delivery's row moved under the record (its lease lapsed and another dispatcher took it): read it again.
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !cancellationToken.IsCancellationRequested
                && attempt < MaxRecordTransientTries && clock.GetUtcNow() + pause < claimed.LeaseExpiresAt)
            {
                // A busy or briefly unreachable database: the attempt was made, so it is worth waiting to record it
                // while the lease still holds, rather than letting the lease lapse and sending it again.
                LogRecordRetried(ex, claimed.DeliveryId, pause);
                await Task.Delay(pause, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The attempt was made but not recorded: the lease lapses and it is made again.
                LogRecordFailed(ex, claimed.DeliveryId);
                return true;
            }
        }
    }

    /// <summary>
    /// Decrypts the subscription's secrets and signs, before anything is sent: a failure here is this API's (a
    /// changed <c>Webhooks:SecretKey</c>, a damaged ciphertext), not the receiver's, so it is neither an attempt nor
    /// counted against the subscription. The delivery keeps its lease and is tried again once the lease lapses.
    /// </summary>
    /// <summary>The claimed delivery's subscription read afresh; null (nothing sent, the lease lapses) when it cannot be read.</summary>
    private async Task<WebhookSubscription?> CurrentSubscriptionAsync(Claimed claimed, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            return await db.WebhookSubscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == claimed.Subscription.Id, cancellationToken)
                ?? claimed.Subscription;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogSubscriptionReadFailed(ex, claimed.DeliveryId, options.Value.Lease);
            return null;
        }
    }

    private Signed? Sign(Claimed claimed)
    {
        var now = clock.GetUtcNow();
        try
        {
            var messageId = WebhookDeliveryDto.MessageIdOf(claimed.MessageId);
            var timestamp = now.ToUnixTimeSeconds();
            var signingSecrets = claimed.Subscription.SigningSecretsAt(now).Select(secrets.Decrypt).ToList();
            return new Signed(now, messageId, timestamp, StandardWebhookSigner.Sign(signingSecrets, messageId, timestamp, claimed.Payload));
        }
        catch (Exception ex)
        {
            LogSigningFailed(ex, claimed.DeliveryId, claimed.Subscription.Id, options.Value.Lease);
            return null;
        }
    }

    private async Task<Outcome> SendAsync(Claimed claimed, Signed signed, CancellationToken cancellationToken)
    {
        var now = signed.At;
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, claimed.Subscription.Url)
            {
                Content = new StringContent(claimed.Payload, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("webhook-id", signed.MessageId);
            request.Headers.Add("webhook-timestamp", signed.Timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", signed.Signature);
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Aiprod-Webhooks", "1.0"));

            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var latency = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var status = (int)response.StatusCode;
            return status switch
            {
                >= 200 and <= 299 => new Outcome(now, status, latency, null),
                >= 300 and <= 399 => new Outcome(now, status, latency, $"The receiver answered a redirect ({status}); redirects are not followed."),
                _ => new Outcome(now, status, latency, $"The receiver answered {status}."),
            };
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var latency = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return new Outcome(now, null, latency, Describe(ex));
        }
    }

    private string Describe(Exception ex) => ex switch
    {
        TimeoutRejectedException => $"No answer within {options.Value.Timeout.TotalSeconds:0.#} s.",
        _ when FindRefusal(ex) is { } refused => Refused(refused),
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "The host name does not resolve.",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "The connection was refused or could not be made.",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "The TLS handshake failed (is the certificate valid for the host?).",
        HttpRequestException http => $"The request failed: {http.HttpRequestError}.",
        _ => "The request failed.",
    };

    private string Refused(WebhookAddressRefusedException refused)
    {
        LogAddressRefused(refused.Host, refused.Address?.ToString() ?? "none", refused.Why);
        return refused.Message;
    }

    private static WebhookAddressRefusedException? FindRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is WebhookAddressRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    /// <summary>
    /// Records the attempt on the delivery and the subscription's failing state, in one transaction. The subscription
    /// is changed by guarded single-row updates, not by saving a loaded copy: many deliveries of one subscription
    /// recorded at once (by one dispatcher or several) each count, none waits for or conflicts with another, an
    /// owner's edit meanwhile does not make them give up, and of the failures past the limit exactly one disables
    /// (and audits). Its version moves only when its failing state does, so an owner's edit read before that loses.
    /// </summary>
    private async Task RecordAsync(Claimed claimed, Outcome outcome)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var disabled = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == claimed.DeliveryId, CancellationToken.None);
            if (delivery is null || !delivery.IsHeldBy(claimed.LeaseToken))
            {
                // Deleted with its subscription, or the lease lapsed and another dispatcher took it: that one records.
                return false;
            }

            var succeeded = outcome.Error is null;
            var next = succeeded ? null : WebhookRetrySchedule.NextAttemptAt(delivery.AttemptCount + 1, outcome.At, Random.Shared.NextDouble());
            delivery.RecordAttempt(outcome.At, outcome.StatusCode, outcome.LatencyMs, outcome.Error, succeeded, next);

            var id = delivery.SubscriptionId;
            var at = outcome.At;
            var disabledNow = false;
            if (succeeded)
            {
                await db.WebhookSubscriptions.Where(s => s.Id == id && s.FailingSince != null).ExecuteUpdateAsync(
                    s => s.SetProperty(x => x.FailingSince, (DateTimeOffset?)null).SetProperty(x => x.UpdatedAt, at).SetProperty(x => x.Version, x => x.Version + 1),
                    CancellationToken.None);
            }
            else
            {
                await db.WebhookSubscriptions.Where(s => s.Id == id && s.FailingSince == null).ExecuteUpdateAsync(
                    s => s.SetProperty(x => x.FailingSince, at).SetProperty(x => x.UpdatedAt, at).SetProperty(x => x.Version, x => x.Version + 1),
                    CancellationToken.None);
                var disableAfter = options.Value.DisableAfterFailingFor;
                var cutoff = WebhookSubscription.DisableFailingSinceAtMost(at, disableAfter);
                var reason = WebhookSubscription.DisabledAfterFailingReason(disableAfter, outcome.Error!);
                disabledNow = await db.WebhookSubscriptions.Where(s => s.Id == id && s.Enabled && s.FailingSince <= cutoff).ExecuteUpdateAsync(
                    s => s.SetProperty(x => x.Enabled, false).SetProperty(x => x.DisabledReason, reason).SetProperty(x => x.DisabledAt, at)
                        .SetProperty(x => x.UpdatedAt, at).SetProperty(x => x.Version, x => x.Version + 1),
                    CancellationToken.None) == 1;
                if (disabledNow)
                {
                    scope.ServiceProvider.GetRequiredService<IAuditLog>().Record(new AuditEntry(
                        AuditEventTypes.WebhookDisabled, AuditOutcome.Success, Target: id.ToString(),
                        Details: new Dictionary<string, object?> { ["reason"] = reason, ["owner_id"] = delivery.OwnerId },
                        ActorKind: ActorKind.System, ActorId: "webhook-dispatcher"));
                }
            }

            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            return disabledNow;
        });
        if (disabled)
        {
            LogDisabled(claimed.Subscription.Id, claimed.Subscription.OwnerId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A webhook dispatch round failed; trying again in {Interval}")]
    private partial void LogRoundFailed(Exception ex, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The attempt of webhook delivery {DeliveryId} was made but could not be recorded; it is made again once its lease lapses")]
    private partial void LogRecordFailed(Exception ex, WebhookDeliveryId deliveryId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording the attempt of webhook delivery {DeliveryId} failed; trying again in {Pause}")]
    private partial void LogRecordRetried(Exception ex, WebhookDeliveryId deliveryId, TimeSpan pause);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery {DeliveryId} of subscription {WebhookId} could not be signed (is Webhooks:SecretKey the key its secret was encrypted with?); nothing was sent, it is tried again in {Lease}")]
    private partial void LogSigningFailed(Exception ex, WebhookDeliveryId deliveryId, WebhookId webhookId, TimeSpan lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId}: its subscription's secrets could not be read before sending; nothing was sent, it is tried again in {Lease}")]
    private partial void LogSubscriptionReadFailed(Exception ex, WebhookDeliveryId deliveryId, TimeSpan lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "A webhook to {Host} was refused: it resolves to {Address} ({Why})")]
    private partial void LogAddressRefused(string host, string address, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {WebhookId} of {OwnerId} kept failing and was disabled")]
    private partial void LogDisabled(WebhookId webhookId, Aiprod.Domain.Users.UserId ownerId);

    private sealed record Claimed(WebhookDeliveryId DeliveryId, Guid LeaseToken, DateTimeOffset LeaseExpiresAt, Guid MessageId, string Payload, WebhookSubscription Subscription);

    private sealed record Signed(DateTimeOffset At, string MessageId, long Timestamp, string Signature);

    private sealed record Outcome(DateTimeOffset At, int? StatusCode, long LatencyMs, string? Error);
}
