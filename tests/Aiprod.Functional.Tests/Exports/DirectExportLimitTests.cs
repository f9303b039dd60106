using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Exports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Functional.Tests.Exports;

/// <summary>
/// The direct routes at their limits, each on a host of its own: the most jobs a direct export answers, the size
/// limit, the rate limit, and the streaming itself (the first bytes reach a real TCP client while the export is still
/// being written).
/// </summary>
public sealed class DirectExportLimitTests
{
    private static readonly JobPolicy Policy = new(MaxRetries: 3, MaxLogLines: 1000);

    [Fact]
    public async Task ManyJobs_AboveTheDirectLimit_Are413_PointingToPostExports_AndAtTheLimit_AreExported()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Exports:MaxDirectJobs"] = "3" });
        using var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        for (var i = 0; i < 3; i++)
        {
            await client.SubmitAsync(token);
        }

        var atLimit = await client.GetWithTokenAsync("/jobs/export?format=jsonl", token);
        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
        Assert.Equal(3, (await atLimit.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        await client.SubmitAsync(token);
        foreach (var format in new[] { "json", "jsonl", "csv", "zip" })
        {
            var problem = await (await client.GetWithTokenAsync($"/jobs/export?format={format}", token))
                .AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "too_many_jobs_for_direct_export");
            Assert.Contains("POST /exports", problem.Str("detail"), StringComparison.Ordinal);
            Assert.Contains("4 jobs", problem.Str("detail"), StringComparison.Ordinal);
        }

        // The filters narrow the count that is checked.
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/jobs/export?format=csv&status=queued&created_to=2000-01-01T00:00:00Z", token)).StatusCode);
    }

    [Fact]
    public async Task AnExportPastTheSizeLimit_IsCutOff_NeverAnswersAsIfComplete()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Exports:MaxBytes"] = "3000" });
        using var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        for (var i = 0; i < 12; i++)
        {
            await client.SubmitAsync(token, new { content = $"Job {i}: " + new string('x', 400), preset = "quick_social" });
        }

        foreach (var format in new[] { "json", "jsonl", "csv", "zip" })
        {
            var failure = await Record.ExceptionAsync(async () =>
            {
                using var response = await client.GetWithTokenAsync($"/jobs/export?format={format}", token);
                await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            });
            // TestServer surfaces the aborted response as one of these, depending on where the read was.
            Assert.True(failure is HttpRequestException or IOException or OperationCanceledException, $"{format}: {failure?.GetType().Name ?? "the whole body arrived"}");
        }

        var small = await client.SubmitAsync(token, new { content = "short", preset = "quick_social" });
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync($"/pipeline/{small}/export?format=csv", token)).StatusCode);
    }

    [Fact]
    public async Task TheExportRoutes_AreRateLimitedPerCaller()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["RateLimits:Policies:direct-export"] = "2", ["RateLimits:Policies:public-read"] = "2" });
        using var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var job = await client.SubmitAsync(ann);

        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync($"/pipeline/{job}/export", ann)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/jobs/export?format=csv", ann)).StatusCode);
        var limited = await client.GetWithTokenAsync("/jobs/export?format=csv", ann);
        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/jobs/export?format=csv", bob)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/export/formats", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/export/formats", TestContext.Current.CancellationToken)).StatusCode);
        await (await client.GetAsync("/export/formats", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task ALargeExport_ReachesARealClient_WhileItIsStillBeingWritten()
    {
        var observer = new ExportObserver();
        await using var factory = new AiprodApiFactory(replaceServices: s =>
            s.AddScoped<IJobExporter>(sp => new ObservedExporter(ActivatorUtilities.CreateInstance<JobExporter>(sp), observer)));
        var server = factory.StartOnKestrel();
        using var setup = new HttpClient { BaseAddress = server };
        var token = await setup.RegisterAndLoginAsync("ann@example.com");
        var owner = new UserId(Guid.Parse(new JsonWebToken(token).Subject));
        await SeedAsync(factory, owner, jobs: 2000);

        // A client that reads one chunk and stops: with a small fixed receive window, an export larger than what the
        // socket buffers can hold (the send buffer grows to 4 MB at most on Linux) cannot have been written to the
        // end unless the server wrote it all before sending anything.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 16 * 1024 };
                await tcp.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(tcp, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = server };
        foreach (var format in new[] { "json", "csv", "jsonl" })
        {
            observer.Reset();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/export?format={format}").WithBearer(token);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
            var first = new byte[4096];
            var read = await body.ReadAsync(first, TestContext.Current.CancellationToken);

            Assert.True(read > 0);
            Assert.True(observer.Started);
            Assert.False(observer.Finished, $"{format}: the whole export was written before the client read its first bytes");

            using var rest = new MemoryStream();
            await body.CopyToAsync(rest, TestContext.Current.CancellationToken);
            Assert.True(observer.Finished);
            Assert.True(read + rest.Length > 6_000_000, $"{format}: {read + rest.Length} bytes");
            var text = Encoding.UTF8.GetString([.. first.AsSpan(0, read), .. rest.ToArray()]);
            if (format == "json")
            {
                Assert.Equal(2000, JsonNode.Parse(text)!["job_count"]!.GetValue<int>());
            }
            else
            {
                Assert.Equal(format == "csv" ? 2001 : 2000, text.Split(format == "csv" ? "\r\n" : "\n", StringSplitOptions.RemoveEmptyEntries).Length);
            }
        }
    }

    private static async Task SeedAsync(AiprodApiFactory factory, UserId owner, int jobs)
    {
        var start = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);
        var worker = ApiKey.Issue(owner, "seed worker", [ApiKeyScope.PipelineWorker], new string('f', 64), "aip_seedwk01", start, TimeSpan.FromDays(30));
        var brief = new string('b', 3500);
        var lines = Enumerable.Range(0, 10).Select(i => (JobLogLevel.Info, $"Rendering scene {i}: " + new string('r', 120))).ToList();
        await factory.WithDbAsync(async db =>
        {
            db.Add(worker);
            for (var i = 0; i < jobs; i++)
            {
                var at = start.AddSeconds(i);
                var job = PipelineJob.Submit(owner, $"Teaser {i} for a coffee brand. " + brief, JobPreset.QuickSocial, JobPriority.Normal, "en", 30, at);
                job.Claim(worker.Id, at, TimeSpan.FromMinutes(5));
                job.AppendLogs(worker.Id, lines, at.AddSeconds(1), Policy);
                job.Complete(worker.Id, $$"""{"video":{"url":"s3://bucket/{{i}}.mp4","frames":720},"scenes":[1,2,3]}""", 9000, at.AddSeconds(2));
                db.Add(job);
            }

            return await db.SaveChangesAsync();
        });
    }

    /// <summary>Tells whether the exporter behind the route has started and finished writing.</summary>
    private sealed class ExportObserver
    {
        private volatile bool started;
        private volatile bool finished;

        public bool Started => started;

        public bool Finished => finished;

        public void Reset() => (started, finished) = (false, false);

        public void Start() => started = true;

        public void Finish() => finished = true;
    }

    /// <summary>The real exporter, with the observer told when a write starts and ends.</summary>
    private sealed class ObservedExporter(IJobExporter inner, ExportObserver observer) : IJobExporter
    {
        public Task<int> CountAsync(ExportSelection selection, CancellationToken cancellationToken) => inner.CountAsync(selection, cancellationToken);

        public async Task<ExportWriteResult> WriteAsync(
            ExportSelection selection, ExportFormat format, ExportWriteOptions options, Stream destination, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
        {
            observer.Start();
            try
            {
                return await inner.WriteAsync(selection, format, options, destination, progress, cancellationToken);
            }
            finally
            {
                observer.Finish();
            }
        }
    }
}
