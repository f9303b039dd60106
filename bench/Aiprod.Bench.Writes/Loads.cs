using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Aiprod.Bench.Writes;

/// <summary>One user's login: its own session (refresh token family) and access token.</summary>
internal sealed class Session(string email, string accessToken, string refreshToken)
{
    public string Email { get; } = email;

    public string AccessToken { get; set; } = accessToken;

    public string RefreshToken { get; set; } = refreshToken;
}

internal static class Setup
{
    public const string Password = "bench password 123";

    /// <summary>n users, each logged in once: n sessions.</summary>
    public static async Task<List<Session>> SessionsAsync(HttpClient http, int n, string prefix)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        return [.. await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
        {
            var email = $"{prefix}-{i}-{run}@example.com";
            using var registered = await http.PostAsJsonAsync("/auth/register", new { email, password = Password });
            registered.EnsureSuccessStatusCode();
            return await LoginAsync(http, email);
        }))];
    }

    public static async Task<Session> LoginAsync(HttpClient http, string email)
    {
        using var response = await http.PostAsJsonAsync("/auth/login", new { email, password = Password });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Session(email, body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
    }

    /// <summary>API keys with the <c>pipeline:worker</c> scope, owned by the owner of the jobs (a non-admin key serves its owner's jobs).</summary>
    public static async Task<List<string>> WorkerKeysAsync(HttpClient http, Session owner, int n)
    {
        var keys = new List<string>();
        for (var i = 0; i < n; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api-keys/create")
            {
                Content = JsonContent.Create(new { name = $"bench worker {i}", scopes = new[] { "pipeline:worker" } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.AccessToken);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            keys.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!);
        }

        return keys;
    }

    public static async Task<Dictionary<string, int>> JobCountsAsync(HttpClient http, Session owner)
    {
        var counts = new Dictionary<string, int>();
        foreach (var status in new[] { "queued", "running", "completed", "failed" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/pipeline/jobs?status={status}&limit=1");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.AccessToken);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            counts[status] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total").GetInt32();
        }

        return counts;
    }
}

/// <summary>What one load phase did: successes, failures by kind, client-side latency.</summary>
internal class LoadResult
{
    public int Ok { get; set; }

    public TimeSpan Elapsed { get; set; }

    public ConcurrentDictionary<string, int> FailuresByKind { get; } = new();

    public ConcurrentBag<double> LatenciesMs { get; } = [];

    public string? FirstFailure { get; set; }

    public int Failures => FailuresByKind.Values.Sum();

    public virtual double PerSecond => Ok / Elapsed.TotalSeconds;

    public void Fail(string kind, string? detail)
    {
        FailuresByKind.AddOrUpdate(kind, 1, (_, n) => n + 1);
        FirstFailure ??= $"{kind}: {detail}";
    }

    public double Percentile(double p)
    {
        var sorted = LatenciesMs.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
    }

    public override string ToString() =>
        $"ok {Ok}, failures {Failures}{(Failures > 0 ? " [" + string.Join(", ", FailuresByKind.Select(kv => $"{kv.Key} x{kv.Value}")) + "] first: " + FirstFailure : string.Empty)}, " +
        $"latency p50 {Percentile(50):F1} ms, p99 {Percentile(99):F1} ms, max {Percentile(100):F1} ms";
}

internal sealed class WorkerResult : LoadResult
{
    public int Jobs { get; set; }

    public int Completed { get; set; }

    public int ClaimConflicts { get; set; }

    public int DoubledClaims { get; set; }

    public int NotExactlyOnce { get; set; }

    public int Foreign { get; set; }

    public bool ExactlyOnce => NotExactlyOnce == 0 && DoubledClaims == 0 && Foreign == 0 && Completed == Jobs && Failures == 0;

    public override double PerSecond => Completed / Elapsed.TotalSeconds;

    public override string ToString() =>
        $"{Completed}/{Jobs} completed, every job claimed and completed exactly once: {(ExactlyOnce ? "yes" : "NO")} " +
        $"(jobs claimed twice {DoubledClaims}, jobs not completed exactly once {NotExactlyOnce}, claims of unknown jobs {Foreign}), " +
        $"claim 409s {ClaimConflicts}; " + base.ToString();
}

internal static class Loads
{
    private const string JobBody = """{"content":"A 30 second teaser for a coffee brand","preset":"quick_social","duration_sec":30}""";

    /// <summary>
    /// Each client refreshes its own session in a loop with the latest token it got. A 200 counts only when it
    /// carries a new refresh token and an access token; the next refresh proves the rotation was stored.
    /// A refused refresh is counted, and the client logs in again to go on.
    /// </summary>
    public static async Task<LoadResult> RefreshAsync(HttpClient http, IReadOnlyList<Session> sessions, TimeSpan duration)
    {
        var result = new LoadResult();
        var ok = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(sessions.Select(session => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var content = new StringContent($$"""{"refresh_token":"{{session.RefreshToken}}"}""", Encoding.UTF8, "application/json");
                using var response = await http.PostAsync("/auth/refresh", content);
                var body = await response.Content.ReadAsStringAsync();
                result.LatenciesMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    result.Fail($"refresh {(int)response.StatusCode}", body);
                    var again = await Setup.LoginAsync(http, session.Email);
                    session.RefreshToken = again.RefreshToken;
                    continue;
                }

                using var json = JsonDocument.Parse(body);
                var next = json.RootElement.TryGetProperty("refresh_token", out var r) ? r.GetString() : null;
                var access = json.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
                if (string.IsNullOrEmpty(next) || next == session.RefreshToken || string.IsNullOrEmpty(access))
                {
                    result.Fail("refresh 200 without a new token pair", body);
                    var again = await Setup.LoginAsync(http, session.Email);
                    session.RefreshToken = again.RefreshToken;
                    continue;
                }

                session.RefreshToken = next;
                Interlocked.Increment(ref ok);
            }
        })));
        result.Elapsed = clock.Elapsed;
        result.Ok = ok;
        return result;
    }

    /// <summary>
    /// Each client submits jobs in a loop, in turn as each of its own owners (their access tokens); a 202 with a job
    /// id counts.
    /// </summary>
    public static async Task<LoadResult> SubmitAsync(HttpClient http, IReadOnlyList<Session[]> ownersByClient, TimeSpan duration)
    {
        var result = new LoadResult();
        var ok = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(ownersByClient.Select(owners => Task.Run(async () =>
        {
            for (var i = 0; clock.Elapsed < duration; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var (status, body) = await SubmitOnceAsync(http, owners[i % owners.Length]);
                result.LatenciesMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (status == HttpStatusCode.Accepted && JobIdOf(body) is not null)
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    result.Fail($"submit {(int)status}", body);
                }
            }
        })));
        result.Elapsed = clock.Elapsed;
        result.Ok = ok;
        return result;
    }

    /// <summary>
    /// Submits <paramref name="jobs"/> jobs (not timed), then the workers claim and complete in loops until a claim
    /// finds the queue empty (204). Every job must have been claimed once and completed once (one 200 each).
    /// </summary>
    /// <param name="http">The client of the bench host.</param>
    /// <param name="owner">The user whose jobs are queued.</param>
    /// <param name="keys">One worker key per worker.</param>
    /// <param name="jobs">How many jobs to queue.</param>
    /// <param name="beforeClaims">Runs once the jobs are queued, before the first claim.</param>
    public static async Task<WorkerResult> WorkersAsync(HttpClient http, Session owner, IReadOnlyList<string> keys, int jobs, Func<Task>? beforeClaims = null)
    {
        var submitted = new ConcurrentDictionary<string, byte>();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= jobs)
            {
                var (status, body) = await SubmitOnceAsync(http, owner);
                if (status != HttpStatusCode.Accepted || JobIdOf(body) is not { } id)
                {
                    throw new InvalidOperationException($"Could not queue a job: {(int)status} {body}");
                }

                submitted[id] = 0;
            }
        })));

        if (beforeClaims is not null)
        {
            await beforeClaims();
        }

        var result = new WorkerResult { Jobs = submitted.Count };
        var claims = new ConcurrentDictionary<string, int>();
        var completes = new ConcurrentDictionary<string, int>();
        var conflicts = 0;
        long lastCompleted = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(keys.Select(key => Task.Run(async () =>
        {
            var strikes = 0;
            while (strikes < 100)
            {
                var started = Stopwatch.GetTimestamp();
                var (status, body) = await WorkerPostAsync(http, key, "/pipeline/worker/claim", "{}");
                if (status == HttpStatusCode.NoContent)
                {
                    return;
                }

                if (status == HttpStatusCode.Conflict)
                {
                    // A claim that lost its races (documented); a host answering nothing else would spin forever.
                    if (Interlocked.Increment(ref conflicts) > 10 * Math.Max(1, jobs))
                    {
                        result.Fail("claim 409", body);
                        strikes++;
                    }

                    continue;
                }

                if (status != HttpStatusCode.OK || JobIdOf(body) is not { } id)
                {
                    result.Fail($"claim {(int)status}", body);
                    strikes++;
                    continue;
                }

                claims.AddOrUpdate(id, 1, (_, n) => n + 1);
                var (done, doneBody) = await WorkerPostAsync(http, key, $"/pipeline/worker/jobs/{id}/complete", """{"output":{"video_url":"s3://bench/video.mp4","frames":720},"execution_time_ms":1}""");
                result.LatenciesMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (done == HttpStatusCode.OK)
                {
                    completes.AddOrUpdate(id, 1, (_, n) => n + 1);
                    var at = clock.ElapsedTicks;
                    long seen;
                    while (at > (seen = Interlocked.Read(ref lastCompleted)) && Interlocked.CompareExchange(ref lastCompleted, at, seen) != seen)
                    {
                    }
                }
                else
                {
                    result.Fail($"complete {(int)done}", doneBody);
                }
            }
        })));

        result.Elapsed = TimeSpan.FromSeconds((double)Interlocked.Read(ref lastCompleted) / Stopwatch.Frequency);
        result.ClaimConflicts = conflicts;
        result.Completed = completes.Values.Sum();
        result.Ok = result.Completed;
        result.DoubledClaims = claims.Count(kv => kv.Value > 1);
        result.Foreign = claims.Keys.Count(id => !submitted.ContainsKey(id));
        result.NotExactlyOnce = submitted.Keys.Count(id => !completes.TryGetValue(id, out var n) || n != 1);
        return result;
    }

    public static async Task<(HttpStatusCode Status, string Body)> SubmitOnceAsync(HttpClient http, Session owner)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pipeline/run") { Content = new StringContent(JobBody, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.AccessToken);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<(HttpStatusCode Status, string Body)> WorkerPostAsync(HttpClient http, string key, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-API-Key", key);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static string? JobIdOf(string body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return null;
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("job_id", out var id) ? id.GetString() : null;
    }
}
