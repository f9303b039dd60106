using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;

namespace Aiprod.Benchmarks;

/// <summary>
/// Completed jobs shaped as <c>Aiprod.Bench.Exports</c> seeds them (ten log lines, a nested output with an array), for
/// the export benchmarks: one definition, so that the in-memory and the database benchmark measure the same rows.
/// </summary>
internal static class BenchJobs
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly JobPolicy Policy = new(MaxRetries: 3, MaxLogLines: 1000);

    private static readonly List<(JobLogLevel, string)> Lines =
        [.. Enumerable.Range(0, 10).Select(i => (JobLogLevel.Info, $"Rendering scene {i} of 10: {i * 72} frames encoded, bitrate 8 Mb/s"))];

    public static ApiKey Worker(UserId owner) =>
        ApiKey.Issue(owner, "bench worker", [ApiKeyScope.PipelineWorker], new string('a', 64), "aip_bench", Start, TimeSpan.FromDays(3650));

    /// <summary>The <paramref name="i"/>-th job, claimed by <paramref name="worker"/> and completed; fractions of a
    /// second in its times, as a real clock leaves them.</summary>
    public static PipelineJob Completed(UserId owner, ApiKey worker, int i)
    {
        var at = Start.AddSeconds(i).AddTicks(i * 1_234L);
        var job = PipelineJob.Submit(owner, $"A 30 second teaser for a coffee brand, take {i}", JobPreset.QuickSocial, JobPriority.Normal, "en", 30, at);
        job.Claim(worker.Id, at, TimeSpan.FromMinutes(5));
        job.AppendLogs(worker.Id, Lines, at.AddSeconds(1), Policy);
        job.Complete(worker.Id,
            $$$"""{"video":{"url":"s3://renders/{{{i}}}.mp4","frames":720,"codec":{"name":"h264","profile":"high"}},"thumbnails":["s3://renders/{{{i}}}-1.jpg","s3://renders/{{{i}}}-2.jpg"],"duration_sec":30.0}""",
            9000, at.AddSeconds(2));
        return job;
    }
}
