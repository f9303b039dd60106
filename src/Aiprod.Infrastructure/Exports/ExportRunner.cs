using System.Collections.Concurrent;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Exports;
using Aiprod.Application.Exports.Commands.ClaimExport;
using Aiprod.Application.Exports.Commands.CompleteExport;
using Aiprod.Application.Exports.Commands.ExpireExports;
using Aiprod.Application.Exports.Commands.FailExport;
using Aiprod.Application.Exports.Commands.ReportExportProgress;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Exports;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// Runs export jobs on every instance. Each <see cref="ExportOptions.PollInterval"/> it deletes files past their
/// retention and claims queued exports (and those whose runner died) up to <see cref="ExportOptions.MaxRunningPerInstance"/>.
/// Each export is written through <see cref="IJobExporter"/> to an upload that becomes readable only when it is whole
/// and hashed, and only then is the export marked succeeded. While it writes, a watch saves the progress, renews the
/// lease and stops the export as soon as it was cancelled, deleted or taken over, from this instance or another.
/// </summary>
internal sealed partial class ExportRunner(
    IServiceScopeFactory scopes,
    IExportStorage storage,
    IOptions<ExportOptions> options,
    TimeProvider clock,
    ILogger<ExportRunner> logger) : SignalledBackgroundService
{
    private readonly ConcurrentDictionary<ExportId, Task> running = new();

    // Stops every run when the host stops, also runs started by a round whose caller's token does not (a test's):
    // a run left going would use the host's services after they were disposed.
    // Never disposed: it holds no timer, and a token of a disposed source could not be linked by a late round.
    private readonly CancellationTokenSource shutdown = new();

    /// <summary>Exports this instance is writing now (for tests and diagnostics).</summary>
    public int Running => running.Count;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.PollInterval, clock);
        try
        {
            do
            {
                await RoundAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the runs below see the same token and remove their partial files.
        }

        await Task.WhenAll(running.Values);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await shutdown.CancelAsync();
        await base.StopAsync(cancellationToken);
    }

    /// <summary>One round: retention, then claims. Public for tests that drive rounds without waiting for the timer.</summary>
    public async Task RoundAsync(CancellationToken callerToken)
    {
        // A round a caller started under its own token stops with the host too: a claim made while the host stops
        // would start a run that is cancelled at once and spend one of the export's attempts.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, shutdown.Token);
        var stoppingToken = linked.Token;
        if (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        try
        {
            await SendAsync(new ExpireExportsCommand(), stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRetentionFailed(ex);
        }

        while (running.Count < options.Value.MaxRunningPerInstance && !stoppingToken.IsCancellationRequested)
        {
            ClaimedExport? claimed;
            try
            {
                claimed = await SendAsync(new ClaimExportCommand(), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogClaimFailed(ex);
                return;
            }

            if (claimed is null)
            {
                return;
            }

            running[claimed.ExportId] = RunTrackedAsync(claimed, callerToken);
        }
    }

    private async Task RunTrackedAsync(ClaimedExport claimed, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await RunAsync(claimed, stoppingToken);
        }
        finally
        {
            running.TryRemove(claimed.ExportId, out _);
        }
    }

    private async Task RunAsync(ClaimedExport claimed, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var fileKey = ExportFileNames.FileKey(claimed.ExportId, claimed.Attempt, claimed.Format);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, shutdown.Token);
        var progress = new LatestProgress();
        using var watchStop = new CancellationTokenSource();
        var watch = WatchAsync(claimed, progress, stop, watchStop.Token);
        try
        {
            // What an interrupted attempt left (a partial upload, a file committed just before its instance died).
            await storage.DeleteAllOfAsync(claimed.ExportId, stop.Token);
            if (storage.AvailableFreeBytes() is { } free && free < settings.MinFreeBytes)
            {
                throw new InsufficientExportStorageException(free, settings.MinFreeBytes);
            }

            await using var scope = scopes.CreateAsyncScope();
            var exporter = scope.ServiceProvider.GetRequiredService<IJobExporter>();
            ExportWriteResult result;
            string sha256;
            long size;
            await using (var upload = await storage.BeginUploadAsync(fileKey, stop.Token))
            {
                using var hashing = new HashingExportStream(upload.Content, settings.MaxBytes, storage.AvailableFreeBytes, settings.MinFreeBytes);
                result = await exporter.WriteAsync(claimed.Selection, claimed.Format, claimed.Options, hashing, progress, stop.Token);
                await hashing.FlushAsync(stop.Token);
                sha256 = hashing.Sha256Hex();
                size = hashing.Written;
                stop.Token.ThrowIfCancellationRequested();
                await upload.CommitAsync(stop.Token);
            }

            await watchStop.CancelAsync();
            await watch;
            if (!await SendAsync(new CompleteExportCommand(claimed.ExportId, claimed.Attempt, fileKey, size, sha256, result.JobsWritten), CancellationToken.None))
            {
                // Cancelled, deleted or taken over after the file was committed: nothing may point to it, so it goes.
                await storage.DeleteAsync(fileKey, CancellationToken.None);
            }
        }
        catch (ExportSizeLimitExceededException ex)
        {
            await FailAsync(claimed, ExportFailure.SizeLimitExceeded, $"The export passed the size limit of {ex.MaxBytes} bytes; its partial file was removed.");
        }
        catch (InsufficientExportStorageException ex)
        {
            await FailAsync(claimed, ExportFailure.InsufficientStorage, "The export storage ran short of free space; its partial file was removed. Try again later.");
            LogInsufficientStorage(ex, claimed.ExportId);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Cancelled, deleted or taken over (the watch stopped it), or the host is shutting down: the upload was
            // disposed uncommitted, so its partial file is gone. A shutdown leaves the lease to lapse; another
            // instance then starts the export again.
        }
        catch (Exception ex)
        {
            LogExportFailed(ex, claimed.ExportId);
            await FailAsync(claimed, ExportFailure.WriteFailed, "The export could not be written; the server log has the details.");
        }
        finally
        {
            await watchStop.CancelAsync();
            await watch;
        }
    }

    /// <summary>Every watch interval: save the progress, renew the lease, and stop the run when told to.</summary>
    private async Task WatchAsync(ClaimedExport claimed, LatestProgress progress, CancellationTokenSource stop, CancellationToken watchToken)
    {
        using var timer = new PeriodicTimer(options.Value.WatchInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(watchToken))
            {
                var now = progress.Value;
                try
                {
                    if (!await SendAsync(new ReportExportProgressCommand(claimed.ExportId, claimed.Attempt, now.JobsWritten, now.JobsTotal, now.BytesWritten), watchToken))
                    {
                        await stop.CancelAsync();
                        return;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The database stalled: keep writing; if the lease lapses meanwhile, the attempt number fences this run off.
                    LogWatchFailed(ex, claimed.ExportId);
                }
            }
        }
        catch (OperationCanceledException) when (watchToken.IsCancellationRequested)
        {
            // The run ended.
        }
    }

    private async Task FailAsync(ClaimedExport claimed, ExportFailure failure, string message)
    {
        try
        {
            await SendAsync(new FailExportCommand(claimed.ExportId, claimed.Attempt, failure, message), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Its lease lapses and another attempt starts, or the attempts run out.
            LogFailNotRecorded(ex, claimed.ExportId);
        }
    }

    private async Task<T> SendAsync<T>(ICommand<T> command, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(command, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting export files past their retention failed; retrying next round")]
    private partial void LogRetentionFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claiming an export failed; retrying next round")]
    private partial void LogClaimFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Export {ExportId} failed while writing")]
    private partial void LogExportFailed(Exception ex, ExportId exportId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export {ExportId} stopped: the export storage is short of free space")]
    private partial void LogInsufficientStorage(Exception ex, ExportId exportId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saving the progress of export {ExportId} failed; still writing")]
    private partial void LogWatchFailed(Exception ex, ExportId exportId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Export {ExportId} failed and the failure could not be recorded; its lease will lapse")]
    private partial void LogFailNotRecorded(Exception ex, ExportId exportId);

    /// <summary>The exporter's latest report, read by the watch; reports arrive on the writer's thread, not posted elsewhere.</summary>
    private sealed class LatestProgress : IProgress<ExportProgress>
    {
        private ExportProgress value = new(0, 0, 0);

        public ExportProgress Value => Volatile.Read(ref value);

        public void Report(ExportProgress value) => Volatile.Write(ref this.value, value);
    }
}
