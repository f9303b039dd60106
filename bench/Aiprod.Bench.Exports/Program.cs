using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Bench.Exports;

/// <summary>
/// The export benchmark of issue 11:
///   dotnet run -c Release --project bench/Aiprod.Bench.Exports [-- JOBS DIRECT_JOBS ROUNDS]
/// JOBS (100,000) jobs with 10 log lines each and a nested output for one user, DIRECT_JOBS (10,000) for another, in
/// a SQLite file in a fresh temp folder, behind the real API on loopback Kestrel in this process. It measures the raw
/// file write rate of the folder's disk, then the CSV export of the JOBS to a file (what an export job's runner does),
/// with the peak resident memory above the idle level, then the first byte of GET /jobs/export over HTTP for the
/// DIRECT_JOBS, and prints each figure beside the raw rate and the load average. With AIPROD_BENCH_FOLDER set, the
/// database lives in that folder and is kept: a later run with the same JOBS and DIRECT_JOBS reuses it unseeded.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var directJobs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var kept = Environment.GetEnvironmentVariable("AIPROD_BENCH_FOLDER");
        var folder = kept is { Length: > 0 } ? Directory.CreateDirectory(kept).FullName : Directory.CreateTempSubdirectory("aiprod-bench-exports-").FullName;
        var seeded = File.Exists(Path.Combine(folder, "seeded"));
        try
        {
            await using var factory = new WebApplicationFactory<global::Program>().WithWebHostBuilder(b =>
            {
                b.UseEnvironment("Production");
                b.UseContentRoot(AppContext.BaseDirectory);
                b.UseSetting("DataFolder:Path", folder);
                b.UseSetting("RateLimits:Enabled", "false");
                // Production requires the checkpoint signing key; a throwaway one for the measurement.
                b.UseSetting("Audit:SigningKeyPem", System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem());
                b.UseSetting("Webhooks:SecretKey", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
                b.UseSetting("Logging:LogLevel:Default", "Warning");
                // Seeding 110,000 jobs on a busy machine outlasts the default 15-minute access token.
                b.UseSetting("Jwt:AccessTokenLifetime", "01:00:00");
            });
            factory.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
            factory.StartServer();
            var server = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(10) };
            var bulkToken = await SignUpAsync(http, "bulk@example.com");
            var directToken = await SignUpAsync(http, "direct@example.com");

            if (!seeded)
            {
                var seeding = Stopwatch.StartNew();
                await SeedAsync(factory.Services, OwnerOf(bulkToken), jobs);
                await SeedAsync(factory.Services, OwnerOf(directToken), directJobs);
                await File.WriteAllTextAsync(Path.Combine(folder, "seeded"), $"{jobs} {directJobs}");
                Console.WriteLine($"seeded {jobs:N0} + {directJobs:N0} jobs with 10 log lines each in {seeding.Elapsed.TotalSeconds:F0} s; database {new FileInfo(Path.Combine(folder, "aiprod.db")).Length / 1e6:F0} MB");
            }
            else
            {
                Console.WriteLine($"reusing the seeded database in {folder} ({await File.ReadAllTextAsync(Path.Combine(folder, "seeded"))} jobs)");
            }

            Console.WriteLine($"{Environment.ProcessorCount} cores, load average {LoadAverage()} before the rounds");

            for (var round = 1; round <= rounds; round++)
            {
                var raw = RawWriteRate(folder, 512L * 1024 * 1024);
                var (bytes, seconds, cpuSeconds, idle, peak) = await CsvExportAsync(factory.Services, OwnerOf(bulkToken), Path.Combine(folder, "export.csv"));
                var rate = bytes / 1e6 / seconds;
                var csvFirstByte = await FirstByteAsync(http, directToken, "csv");
                var jsonFirstByte = await FirstByteAsync(http, directToken, "json");
                // How long the raw disk takes for the first 64 KiB, the unit the first-byte time is compared with.
                var rawFirstChunkMs = 64 * 1024 / (raw * 1e6) * 1000;
                Console.WriteLine($"round {round}: raw file write {raw:F0} MB/s; load average {LoadAverage()}");
                Console.WriteLine($"  CSV export of {jobs:N0} jobs: {bytes / 1e6:F1} MB in {seconds:F2} s = {rate:F1} MB/s ({rate / raw:P1} of raw); {cpuSeconds:F2} s of CPU = {bytes / 1e6 / cpuSeconds:F1} MB per CPU-second, {cpuSeconds / seconds:F2} cores busy");
                Console.WriteLine($"  peak resident memory {peak / 1e6:F0} MB, idle {idle / 1e6:F0} MB: {(peak - idle) / 1e6:F0} MB above idle");
                Console.WriteLine($"  first byte of GET /jobs/export ({directJobs:N0} jobs): csv {csvFirstByte:F0} ms, json {jsonFirstByte:F0} ms (raw disk writes 64 KiB in {rawFirstChunkMs:F3} ms)");
            }

            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (kept is not { Length: > 0 })
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static async Task<string> SignUpAsync(HttpClient http, string email)
    {
        const string password = "a long bench passphrase";
        // A kept database already has the user: its registration is refused and the login is what counts.
        await http.PostAsJsonAsync("/auth/register", new { email, password });
        var login = await http.PostAsJsonAsync("/auth/login", new { email, password });
        login.EnsureSuccessStatusCode();
        return JsonNode.Parse(await login.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
    }

    private static UserId OwnerOf(string token) => new(Guid.Parse(new JsonWebToken(token).Subject));

    /// <summary>Jobs as workers leave them: completed, 10 log lines, a nested output with an array; inserted in chunks.</summary>
    private static async Task SeedAsync(IServiceProvider services, UserId owner, int count)
    {
        var policy = new JobPolicy(MaxRetries: 3, MaxLogLines: 1000);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var worker = ApiKey.Issue(owner, "bench worker", [ApiKeyScope.PipelineWorker], Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            "aip_" + Guid.NewGuid().ToString("N")[..8], start, TimeSpan.FromDays(3650));
        var lines = Enumerable.Range(0, 10).Select(i => (JobLogLevel.Info, $"Rendering scene {i} of 10: {i * 72} frames encoded, bitrate 8 Mb/s")).ToList();
        var added = false;
        for (var done = 0; done < count; done += 2000)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            if (!added)
            {
                db.Add(worker);
                added = true;
            }

            for (var i = done; i < Math.Min(count, done + 2000); i++)
            {
                var at = start.AddSeconds(i);
                var job = PipelineJob.Submit(owner, $"A 30 second teaser for a coffee brand, take {i}", JobPreset.QuickSocial, JobPriority.Normal, "en", 30, at);
                job.Claim(worker.Id, at, TimeSpan.FromMinutes(5));
                job.AppendLogs(worker.Id, lines, at.AddSeconds(1), policy);
                job.Complete(worker.Id,
                    $$$"""{"video":{"url":"s3://renders/{{{i}}}.mp4","frames":720,"codec":{"name":"h264","profile":"high"}},"thumbnails":["s3://renders/{{{i}}}-1.jpg","s3://renders/{{{i}}}-2.jpg"],"duration_sec":30.0}""",
                    9000, at.AddSeconds(2));
                db.Add(job);
            }

            await db.SaveChangesAsync();
        }
    }

    /// <summary>Writes (without fsync, as the exporter does) <paramref name="total"/> bytes in 64 KiB async writes: MB/s.</summary>
    private static double RawWriteRate(string folder, long total)
    {
        var path = Path.Combine(folder, "raw.bin");
        var chunk = new byte[64 * 1024];
        Random.Shared.NextBytes(chunk);
        var clock = Stopwatch.StartNew();
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true))
        {
            for (long written = 0; written < total; written += chunk.Length)
            {
                file.WriteAsync(chunk).AsTask().GetAwaiter().GetResult();
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        File.Delete(path);
        return total / 1e6 / seconds;
    }

    private static async Task<(long Bytes, double Seconds, double CpuSeconds, long Idle, long Peak)> CsvExportAsync(IServiceProvider services, UserId owner, string path)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var idle = Status("VmRSS");
        // Linux: "5" resets the peak resident size (VmHWM) to the current one, so the peak read after is the export's.
        await File.WriteAllTextAsync("/proc/self/clear_refs", "5");
        var cpu = ProcessorTime();
        var clock = Stopwatch.StartNew();
        await using var scope = services.CreateAsyncScope();
        var exporter = scope.ServiceProvider.GetRequiredService<IJobExporter>();
        ExportWriteResult result;
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true))
        {
            result = await exporter.WriteAsync(new ExportSelection(owner, null, null, null, null, null), ExportFormat.Csv, new ExportWriteOptions(), file, null, CancellationToken.None);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (ProcessorTime() - cpu).TotalSeconds;
        var peak = Status("VmHWM");
        File.Delete(path);
        return (result.BytesWritten, seconds, cpuSeconds, idle, peak);
    }

    /// <summary>Time from sending the request to the first body bytes, median of 5.</summary>
    private static async Task<double> FirstByteAsync(HttpClient http, string token, string format)
    {
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/export?format={format}");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            var clock = Stopwatch.StartNew();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync();
            var first = new byte[1];
            if (await body.ReadAsync(first) != 1)
            {
                throw new InvalidOperationException("An empty export.");
            }

            times.Add(clock.Elapsed.TotalMilliseconds);
            await body.CopyToAsync(Stream.Null);
        }

        return times.Order().ElementAt(times.Count / 2);
    }

    /// <summary>The 1, 5 and 15 minute load averages, as <c>uptime</c> prints them.</summary>
    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static TimeSpan ProcessorTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static long Status(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
