using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aiprod.Infrastructure.Tests;

/// <summary>
/// Stopping one periodic service of a running host, as tests that sweep on their own schedule do. Since .NET 10 the
/// base class starts <c>ExecuteAsync</c> through <c>Task.Run</c> with the stopping token: stopped before that, the
/// service's task ends canceled, and the host, not stopping itself, takes it for a crash and stops the application
/// (a functional test's next request then failed with a 500, its logger factory disposed). Waiting for
/// <see cref="PeriodicWorkService.Running"/> first leaves the host running, every time.
/// </summary>
public sealed class PeriodicWorkServiceTests
{
    [Fact]
    public async Task AServiceStoppedAloneOnceRunning_EndsCompleted_AndTheHostRunsOn()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var round = 0; round < 40; round++)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<Ticker>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<Ticker>());
            using var host = builder.Build();
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            await host.StartAsync(ct);
            var ticker = host.Services.GetRequiredService<Ticker>();

            await ticker.Running.WaitAsync(TimeSpan.FromSeconds(10), ct);
            await ticker.StopAsync(ct);

            // StopAsync returns once the service's task has ended; the host stops the application for any end but a
            // successful one.
            Assert.True(ticker.ExecuteTask!.IsCompletedSuccessfully, $"round {round}: {ticker.ExecuteTask.Status}");
            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, $"round {round}: the host stopped");
            await host.StopAsync(ct);
        }
    }

    private sealed class Ticker() : PeriodicWorkService(TimeProvider.System)
    {
        protected override TimeSpan Period => TimeSpan.FromHours(1);

        protected override Task RunOnceAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        protected override void LogRunFailed(Exception exception, TimeSpan period)
        {
        }
    }
}
