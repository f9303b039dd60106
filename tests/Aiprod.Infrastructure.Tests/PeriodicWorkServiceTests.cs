using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Infrastructure.Tests;

/// <summary>
/// Stopping one periodic service of a running host, as tests that sweep on their own schedule do. Since .NET 10 the
/// base class starts <c>ExecuteAsync</c> through <c>Task.Run</c> with the stopping token: stopped before that, the
/// service's task ends canceled, and the host, not stopping itself, takes it for a crash and stops the application
/// (a functional test's next request then failed with a 500, its logger factory disposed). Waiting for
/// <see cref="SignalledBackgroundService.Started"/> first leaves the host running, every time.
/// </summary>
public sealed class PeriodicWorkServiceTests
{
    [Fact]
    public async Task AServiceStoppedAloneOnceStarted_EndsCompleted_AndTheHostRunsOn()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var round = 0; round < 40; round++)
        {
            using var host = Host(new Ticker(TimeProvider.System, throwWhenStopped: false));
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            await host.StartAsync(ct);
            var ticker = host.Services.GetRequiredService<Ticker>();

            await ticker.Started.WaitAsync(TimeSpan.FromSeconds(10), ct);
            await ticker.StopAsync(ct);

            // StopAsync returns once the service's task has ended; the host stops the application for any end but a
            // successful one.
            Assert.True(ticker.ExecuteTask!.IsCompletedSuccessfully, $"round {round}: {ticker.ExecuteTask.Status}");
            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, $"round {round}: the host stopped");
            await host.StopAsync(ct);
        }
    }

    [Fact]
    public async Task ARunTheStopCutsShort_EndsTheServiceAsStopped_WhateverItThrew()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var host = Host(new Ticker(clock, throwWhenStopped: true));
        await host.StartAsync(ct);
        var ticker = host.Services.GetRequiredService<Ticker>();
        await ticker.Started.WaitAsync(TimeSpan.FromSeconds(10), ct);

        // A run in progress when the stop comes, which answers the stop with a provider's error, not a cancellation.
        for (var i = 0; i < 200 && !ticker.InRun.IsCompleted; i++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            await Task.Delay(10, ct);
        }

        await ticker.InRun.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await ticker.StopAsync(ct);

        Assert.True(ticker.ExecuteTask!.IsCompletedSuccessfully, $"{ticker.ExecuteTask.Status}: {ticker.ExecuteTask.Exception?.InnerException?.Message}");
        await host.StopAsync(ct);
    }

    private static IHost Host(Ticker ticker)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(ticker);
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Ticker>());
        return builder.Build();
    }

    private sealed class Ticker(TimeProvider clock, bool throwWhenStopped) : PeriodicWorkService(clock)
    {
        private readonly TaskCompletionSource inRun = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task InRun => inRun.Task;

        protected override TimeSpan Period => TimeSpan.FromHours(1);

        protected override async Task RunOnceAsync(CancellationToken cancellationToken)
        {
            if (!throwWhenStopped)
            {
                return;
            }

            inRun.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException("the command was interrupted");
            }
        }

        protected override void LogRunFailed(Exception exception, TimeSpan period)
        {
        }
    }
}
