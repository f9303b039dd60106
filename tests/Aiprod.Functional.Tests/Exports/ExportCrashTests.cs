using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Aiprod.Functional.Tests.Exports;

/// <summary>
/// The real API as an OS process, killed (SIGKILL) in the middle of writing a large export with the real writers,
/// then started again on the same data folder: the export starts over once its lease lapses and completes, and no
/// download ever answers with a partial file, before the kill, between the processes or after.
/// </summary>
public sealed class ExportCrashTests
{
    private const int Jobs = 20_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 300_000)]
    public async Task AnExportKilledMidWrite_StartsOverAndCompletes_AndNoPartialFileIsEverServed()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var dataFolder = Directory.CreateTempSubdirectory("aiprod-export-crash-").FullName;
        var exports = Path.Combine(dataFolder, "exports");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signingKey = key.ExportPkcs8PrivateKeyPem();
        try
        {
            string token;
            await using (var api = await ApiProcess.StartAsync(dataFolder, signingKey, cancellation))
            {
                using var http = api.Client();
                token = await http.RegisterAndLoginAsync("ann@example.com");
                await http.SubmitAsync(token, new { content = new string('c', 9_000), preset = "quick_social" });
            }

            Multiply(Path.Combine(dataFolder, "aiprod.db"), Jobs);

            string id;
            var served = new List<string>();
            await using (var api = await ApiProcess.StartAsync(dataFolder, signingKey, cancellation))
            {
                using var http = api.Client();
                id = await http.CreateExportAsync(token, new { format = "json" });
                var running = await WaitAsync(http, token, id, e => e.Str("status") != "queued" && (e.Str("status") != "running" || e["progress"]!["bytes_written"]!.GetValue<long>() > 0));
                Assert.True(running.Str("status") == "running", $"the export was not running when the process was to be killed; seed more jobs: {running.ToJsonString()}");
                await AssertNotServedAsync(http, token, id, served);

                api.Kill();
            }

            Assert.DoesNotContain(ExportTestKit.ExportFiles(exports), f => !f.StartsWith(".partial", StringComparison.Ordinal));

            await using (var api = await ApiProcess.StartAsync(dataFolder, signingKey, cancellation))
            {
                using var http = api.Client();
                var done = await WaitAsync(http, token, id, e => e.Str("status") is "succeeded" or "failed", served);

                Assert.Equal("succeeded", done.Str("status"));
                Assert.Equal(2, done["attempt"]!.GetValue<int>());
                Assert.Equal(Jobs + 1, done["progress"]!["jobs_written"]!.GetValue<int>());
                var file = await http.GetWithTokenAsync($"/exports/{id}/download", token);
                var bytes = await file.Content.ReadAsByteArrayAsync(Ct);
                Assert.Equal(done.Str("sha256"), Convert.ToHexStringLower(SHA256.HashData(bytes)));
                Assert.Equal([$"{id}-2.json"], ExportTestKit.ExportFiles(exports));
            }

            Assert.All(served, s => Assert.Equal("409", s));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(dataFolder, recursive: true);
            }
            catch (IOException)
            {
                // The OS cleans its temp folder.
            }
        }
    }

    /// <summary>Copies the one stored job until there are <paramref name="jobs"/> more, in one statement, while no API runs.</summary>
    private static void Multiply(string database, int jobs)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        var columns = new List<string>();
        using (var info = connection.CreateCommand())
        {
            info.CommandText = "PRAGMA table_info(pipeline_jobs)";
            using var reader = info.ExecuteReader();
            while (reader.Read())
            {
                columns.Add(reader.GetString(1));
            }
        }

        const string NewId = "upper(substr(h,1,8)||'-'||substr(h,9,4)||'-'||substr(h,13,4)||'-'||substr(h,17,4)||'-'||substr(h,21,12))";
        var list = string.Join(", ", columns.Select(c => $"\"{c}\""));
        var values = string.Join(", ", columns.Select(c => c == "Id" ? NewId : $"j.\"{c}\""));
        using var insert = connection.CreateCommand();
        insert.CommandText = $"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {jobs})
            INSERT INTO pipeline_jobs ({list})
            SELECT {values} FROM (SELECT lower(hex(randomblob(16))) AS h FROM n), (SELECT * FROM pipeline_jobs LIMIT 1) AS j
            """;
        Assert.Equal(jobs, insert.ExecuteNonQuery());
    }

    /// <summary>Polls the export (and tries its download each time) until <paramref name="until"/> holds; bounded.</summary>
    private static async Task<System.Text.Json.Nodes.JsonObject> WaitAsync(HttpClient http, string token, string id, Func<System.Text.Json.Nodes.JsonObject, bool> until, List<string>? served = null)
    {
        for (var i = 0; i < 2400; i++)
        {
            var export = await http.GetExportAsync(token, id);
            if (until(export))
            {
                return export;
            }

            if (served is not null)
            {
                await AssertNotServedAsync(http, token, id, served);
            }

            await Task.Delay(50, Ct);
        }

        throw new TimeoutException($"Export {id} never reached the awaited state.");
    }

    /// <summary>While the export is not done, its download must refuse: 409, never a 200 with part of a file.</summary>
    private static async Task AssertNotServedAsync(HttpClient http, string token, string id, List<string> served)
    {
        using var response = await http.GetWithTokenAsync($"/exports/{id}/download", token);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var export = await http.GetExportAsync(token, id);
            var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
            Assert.Equal(export.Str("sha256"), Convert.ToHexStringLower(SHA256.HashData(bytes)));
            return;
        }

        served.Add(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The built API run by the dotnet host as a child process on loopback, as in the sessions' crash test.</summary>
    private sealed class ApiProcess : IAsyncDisposable
    {
        private readonly Process process;

        private ApiProcess(Process process, Uri baseAddress)
        {
            this.process = process;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public HttpClient Client() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        public static async Task<ApiProcess> StartAsync(string dataFolder, string signingKeyPem, CancellationToken cancellationToken)
        {
            var api = typeof(Program).Assembly.Location;
            var port = RedisServer.FreePort();
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
            {
                WorkingDirectory = Path.GetDirectoryName(api)!,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(api);
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            start.Environment["DataFolder__Path"] = dataFolder;
            start.Environment["Jwt__SigningKeyPem"] = signingKeyPem;
            start.Environment["Audit__SigningKeyPem"] = signingKeyPem;
            start.Environment["Webhooks__SecretKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            start.Environment["Jwt__AccessTokenLifetime"] = "01:00:00";
            start.Environment["RateLimits__Enabled"] = "false";
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            start.Environment["Auth__Passwords__Iterations"] = "100000";
            // A short lease, so the restarted process takes over the dead one's export within seconds; not shorter, since
            // progress renews it, and on a loaded machine (load average 15-35 on 2 cores) a 3 s lease lapsed between two
            // reports of the restarted run and the export was taken over a third time.
            start.Environment["Exports__Lease"] = "00:00:10";
            start.Environment["Exports__MinFreeBytes"] = "0";

            var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the API process.");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var baseAddress = new Uri($"http://127.0.0.1:{port}");
            using var probe = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(90));
            while (!deadline.IsCancellationRequested && !process.HasExited)
            {
                try
                {
                    using var health = await probe.GetAsync("/health", deadline.Token);
                    if (health.StatusCode == HttpStatusCode.OK)
                    {
                        return new ApiProcess(process, baseAddress);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    // Not listening yet.
                }

                await Task.Delay(100, cancellationToken);
            }

            Kill(process);
            process.Dispose();
            lock (output)
            {
                throw new InvalidOperationException($"The API process did not become healthy:\n{output}");
            }
        }

        /// <summary>SIGKILL: no shutdown hooks, no cleanup of the partial file, no release of the lease.</summary>
        public void Kill() => Kill(process);

        public ValueTask DisposeAsync()
        {
            Kill(process);
            process.Dispose();
            return ValueTask.CompletedTask;
        }

        private static void Kill(Process process)
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(10_000);
            }
        }
    }
}
