using System.Data.Common;
using System.Net;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Webhooks;

/// <summary>
/// A rotation with <c>revoke_previous</c> that commits while the dispatcher is between reading a subscription and
/// sending what it claimed: the attempt is signed with the secrets as they are when it is signed, so it carries the new
/// secret alone, as the route promises from its answer on.
/// </summary>
public sealed class WebhookRotationRaceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ASendClaimedBeforeARevokingRotation_CarriesOnlyTheNewSecret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = WebhookTestKit.Clock();
        var pause = new PauseAfterSubscriptionRead();
        await using var factory = WebhookTestKit.Host(clock, replaceServices: s =>
            s.ConfigureDbContext<SqliteAiprodDbContext>((_, o) => o.AddInterceptors(pause)));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, first) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        await client.PingAsync(ann, hook);

        pause.Armed = true;
        var round = factory.DispatchAsync();
        await pause.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var revoked = await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{hook}/rotate-secret", ann, new { revoke_previous = true });
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var current = (await revoked.ReadJsonAsync()).Str("secret");
        pause.Release.TrySetResult();
        Assert.Equal(1, await round);

        var sent = Assert.Single(receiver.Requests);
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() => sent.Verify(first));
        sent.Verify(current);
    }

    /// <summary>Holds the dispatcher's first read of subscriptions (its claim pass) until released.</summary>
    private sealed class PauseAfterSubscriptionRead : DbCommandInterceptor
    {
        public volatile bool Armed;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(
            DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (Armed && command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)
                && command.CommandText.Contains("webhook_subscriptions", StringComparison.Ordinal))
            {
                Armed = false;
                Reached.TrySetResult();
                await Release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            return result;
        }
    }
}
