using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Sessions;

/// <summary>
/// A rotation the API answered with 200 survives the death of the process (SIGKILL under refresh load): the real
/// API as a separate OS process on a SQLite file, killed mid-load and started again on the same data folder.
/// </summary>
public sealed class CrashDurabilityTests
{
    private const int Sessions = 8;
    private const int Crashes = 3;

    [Fact(Timeout = 300_000)]
    public async Task EveryAnsweredRotation_SurvivesAKill9_UnderRefreshLoad()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var dataFolder = Directory.CreateTempSubdirectory("aiprod-crash-").FullName;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signingKey = key.ExportPkcs8PrivateKeyPem();
        try
        {
            var sessions = new List<(string Email, string Token)>();
            for (var crash = 1; crash <= Crashes; crash++)
            {
                await using var api = await ApiProcess.StartAsync(dataFolder, signingKey, cancellation);
                using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
                if (crash == 1)
                {
                    for (var i = 0; i < Sessions; i++)
                    {
                        var email = $"crash{i}@example.com";
                        await http.RegisterAsync(email);
                        sessions.Add((email, (await http.LoginForTokensAsync(email)).Str("refresh_token")));
                    }
                }
                else
                {
                    // After the previous kill: the last token each session got a 200 for must still be redeemable.
                    sessions = await AssertLastAnsweredTokensWorkAsync(http, sessions, crash - 1);
                }

                var load = new RefreshLoad(http, sessions);
                await load.RunUntilEachSessionRotatedAsync(minimumEach: 20, cancellation);

                api.Kill();
                await load.StopAsync();
                Assert.Empty(load.Refused);
                Assert.True(load.Unanswered > 0, $"crash {crash}: no refresh lost its answer to the kill; the load was not running when the process died");
                TestContext.Current.TestOutputHelper?.WriteLine($"kill {crash}: {load.Answered} rotations answered, {load.Unanswered} refreshes died with the process");
                sessions = load.LastAnswered();
            }

            await using (var api = await ApiProcess.StartAsync(dataFolder, signingKey, cancellation))
            {
                using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
                await AssertLastAnsweredTokensWorkAsync(http, sessions, Crashes);
            }
        }
        finally
        {
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

    private static async Task<List<(string Email, string Token)>> AssertLastAnsweredTokensWorkAsync(HttpClient http, List<(string Email, string Token)> sessions, int crash)
    {
        var next = new List<(string, string)>();
        var lost = new List<string>();
        foreach (var (email, token) in sessions)
        {
            using var response = await http.RefreshAsync(token);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                next.Add((email, JsonDocument.Parse(body).RootElement.GetProperty("refresh_token").GetString()!));
            }
            else
            {
                lost.Add($"{email}: {(int)response.StatusCode} {body}");
            }
        }

        Assert.True(lost.Count == 0, $"after kill {crash}, the last answered rotation of {lost.Count} of {sessions.Count} sessions was lost:\n{string.Join('\n', lost)}");
        return next;
    }

    /// <summary>One refresh loop per session, each always presenting the newest token it was answered.</summary>
    private sealed class RefreshLoad
    {
        private readonly HttpClient http;
        private readonly string[] emails;
        private readonly string[] lastAnswered;
        private readonly int[] rotations;
        private readonly CancellationTokenSource stop = new();
        private readonly Task[] loops;
        private int unanswered;

        public RefreshLoad(HttpClient http, List<(string Email, string Token)> sessions)
        {
            this.http = http;
            emails = [.. sessions.Select(s => s.Email)];
            lastAnswered = [.. sessions.Select(s => s.Token)];
            rotations = new int[sessions.Count];
            loops = [.. Enumerable.Range(0, sessions.Count).Select(i => Task.Run(() => LoopAsync(i)))];
        }

        /// <summary>Loops whose request died with the process (reset, refused): the kill came while they ran.</summary>
        public int Unanswered => Volatile.Read(ref unanswered);

        /// <summary>Answers other than 200 while the process lived: the load itself must be clean.</summary>
        public System.Collections.Concurrent.ConcurrentBag<string> Refused { get; } = [];

        public async Task RunUntilEachSessionRotatedAsync(int minimumEach, CancellationToken cancellationToken)
        {
            // Bounded by the test's timeout; each pass waits for answers, not for a clock.
            while (Enumerable.Range(0, rotations.Length).Any(i => Volatile.Read(ref rotations[i]) < minimumEach))
            {
                Assert.False(loops.Any(l => l.IsCompleted), "a refresh loop ended before the kill: " + string.Join("; ", Refused));
                await Task.Delay(10, cancellationToken);
            }
        }

        public async Task StopAsync()
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops);
        }

        public int Answered => rotations.Sum();

        public List<(string Email, string Token)> LastAnswered() => [.. emails.Zip(lastAnswered)];

        private async Task LoopAsync(int i)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var content = new StringContent(JsonSerializer.Serialize(new { refresh_token = lastAnswered[i] }), Encoding.UTF8, "application/json");
                    using var response = await http.PostAsync("/auth/refresh", content, stop.Token);
                    var body = await response.Content.ReadAsStringAsync(stop.Token);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Refused.Add($"{emails[i]}: {(int)response.StatusCode} {body}");
                        return;
                    }

                    // Only now, with the whole answer in hand, does the client hold the new token.
                    lastAnswered[i] = JsonDocument.Parse(body).RootElement.GetProperty("refresh_token").GetString()!;
                    Interlocked.Increment(ref rotations[i]);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    // The process died with this request unanswered: whatever it did, its token never reached the
                    // client, so the last answered one stays the one to check.
                    Interlocked.Increment(ref unanswered);
                    return;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The built API (<c>Aiprod.Api.dll</c> beside the test assembly, as the project reference copies it) run by the
    /// dotnet host as a child process, on loopback, with the production environment and a fixed signing key.
    /// </summary>
    private sealed class ApiProcess : IAsyncDisposable
    {
        private readonly Process process;

        private ApiProcess(Process process, Uri baseAddress)
        {
            this.process = process;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

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
            start.Environment["RateLimits__Enabled"] = "false";
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            // A refresh in flight at the kill may have committed without its answer reaching the client, which then
            // presents the previous token again: within the leeway that is a retry, not a replay. The longest leeway
            // keeps a slow restart from turning it into a reuse.
            start.Environment["Auth__RefreshTokens__ReuseLeeway"] = "00:05:00";
            start.Environment["Auth__Passwords__Iterations"] = "100000";

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

        /// <summary>SIGKILL: no shutdown hooks, no flush, no graceful close of the database.</summary>
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
