using System.Net.Http.Json;
using System.Text.Json;

namespace Aiprod.Bench.Writes;

/// <summary>
/// <c>--profile</c>: the host runs with the EF Core interceptors and the request profiler; the driver runs each
/// operation from one client (latency breakdown, with nothing to contend with) and then under the benchmark's load,
/// and prints what each request did on average. The interceptors cost time themselves: these runs are for
/// counting and attributing, not for the throughput figures.
/// </summary>
internal sealed partial class Driver
{
    private static readonly JsonSerializerOptions SnapshotJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PreferredObjectCreationHandling = System.Text.Json.Serialization.JsonObjectCreationHandling.Populate,
    };

    public async Task<bool> ProfileAsync(string mode)
    {
        Console.WriteLine($"== profile of {mode} (interceptors on: counts and shares are the point, not the rates)");
        switch (mode)
        {
            case "refresh":
            {
                var clients = Cli.EnvList("REFRESH_CLIENTS", [1, 4, 16]).Max();
                var sessions = await Setup.SessionsAsync(Http, clients, "refresh");
                await Loads.RefreshAsync(Http, sessions, WarmUp);
                await TakeAsync();
                await ReportAsync("1 client", await Loads.RefreshAsync(Http, sessions.Take(1).ToList(), TimeSpan.FromSeconds(5)));
                await ReportAsync($"{clients} clients", await Loads.RefreshAsync(Http, sessions, Duration));
                break;
            }

            case "submit":
            {
                var owners = await SubmitOwnersAsync();
                await Loads.SubmitAsync(Http, owners, WarmUp);
                await TakeAsync();
                await ReportAsync("1 client", await Loads.SubmitAsync(Http, owners[..1], TimeSpan.FromSeconds(5)));
                await ReportAsync($"{owners.Length} clients", await Loads.SubmitAsync(Http, owners, Duration));
                break;
            }

            default:
            {
                var owner = (await Setup.SessionsAsync(Http, 1, "workers"))[0];
                var keys = await Setup.WorkerKeysAsync(Http, owner, Cli.Env("WORKERS", 8));
                await Loads.WorkersAsync(Http, owner, keys, 100);
                await TakeAsync();
                await ReportAsync("1 worker (the submits before it included)", await Loads.WorkersAsync(Http, owner, keys.Take(1).ToList(), 300));
                await ReportAsync($"{keys.Count} workers (the submits before them included)", await Loads.WorkersAsync(Http, owner, keys, ProfileJobs));
                break;
            }
        }

        return true;
    }

    /// <summary>
    /// Starts the next phase: the host's allocation counters since the last take, and both processes' CPU time
    /// since then (<see cref="LastCost"/>).
    /// </summary>
    private async Task<ProfileSnapshot> TakeAsync()
    {
        using var response = await Http.PostAsync("/bench/profile/take", null);
        response.EnsureSuccessStatusCode();
        var snapshot = (await response.Content.ReadFromJsonAsync<ProfileSnapshot>(SnapshotJson))!;
        var (hostCpu, driverCpu) = CpuTimes();
        LastCost = new Cost(snapshot.AllocatedBytes, hostCpu - cpuAtTake.Host, driverCpu - cpuAtTake.Driver);
        cpuAtTake = (hostCpu, driverCpu);
        return snapshot;
    }

    private async Task ReportAsync(string label, LoadResult load)
    {
        var snapshot = await TakeAsync();
        Console.WriteLine($"-- {label}: {load.PerSecond:F0}/s as profiled; client side: {load}; {LastCost.Per(load.Ok, "operation")}");
        Console.WriteLine($"   host: thread-pool threads up to {snapshot.MaxThreadPoolThreads}, queued work items up to {snapshot.MaxQueuedWorkItems}; " +
                          $"database commands outside requests (background services): {snapshot.BackgroundCommands} ({snapshot.BackgroundWrites} writes); " +
                          $"allocated {snapshot.AllocatedBytes / 1024.0 / Math.Max(1, snapshot.Requests.Count):F1} KB per request (whole host, all requests of the phase), " +
                          $"collections gen0 {snapshot.Gen0Collections}, gen1 {snapshot.Gen1Collections}, gen2 {snapshot.Gen2Collections}");
        foreach (var route in snapshot.Requests.GroupBy(r => r.Route).OrderByDescending(g => g.Count()))
        {
            Print(route.Key, [.. route]);
        }
    }

    private static void Print(string route, List<RequestProfile> all)
    {
        double Mean(Func<RequestProfile, double> f) => all.Average(f);
        double Pct(Func<RequestProfile, double> f, double p)
        {
            var sorted = all.Select(f).Order().ToArray();
            return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
        }

        static double Db(RequestProfile r) => r.CommandMs + r.ConnectionOpenMs + r.BeginMs + r.CommitMs;
        var statuses = string.Join(", ", all.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"));
        var waited = all.Count(r => r.BeginMs >= 100);
        var logs = all.SelectMany(r => r.LogCategories).GroupBy(e => e).Select(g => $"{g.Key} {(double)g.Count() / all.Count:F2}").ToList();
        var exceptions = all.SelectMany(r => r.Exceptions).GroupBy(e => e).Select(g => $"{g.Key} {(double)g.Count() / all.Count:F2}").ToList();
        Console.WriteLine($"   {route}: {all.Count} requests ({statuses})");
        Console.WriteLine($"     server time: mean {Mean(r => r.TotalMs):F2} ms, p50 {Pct(r => r.TotalMs, 50):F2}, p99 {Pct(r => r.TotalMs, 99):F2}, max {Pct(r => r.TotalMs, 100):F2}");
        Console.WriteLine($"     per request (mean): {Mean(r => r.Commands):F2} statements ({Mean(r => r.Reads):F2} reads, {Mean(r => r.Writes):F2} writes, {Mean(r => r.FailedCommands):F2} failed) {Mean(r => r.CommandMs):F2} ms; " +
                          $"{Mean(r => r.ConnectionsOpened):F2} connections opened {Mean(r => r.ConnectionOpenMs):F3} ms; " +
                          $"{Mean(r => r.Transactions):F2} transactions: BEGIN {Mean(r => r.BeginMs):F2} ms, {Mean(r => r.Commits):F2} COMMIT {Mean(r => r.CommitMs):F2} ms, {Mean(r => r.Rollbacks):F2} rollbacks; " +
                          $"SaveChanges {Mean(r => r.SaveChanges):F2} calls {Mean(r => r.SaveChangesMs):F2} ms ({Mean(r => r.SaveChangesFailed):F2} failed); " +
                          $"log entries {Mean(r => r.LogEntries):F2}{(logs.Count == 0 ? string.Empty : " (" + string.Join(", ", logs) + ")")}; " +
                          $"exceptions thrown (first-chance, each rethrow counted): {(exceptions.Count == 0 ? "none" : string.Join(", ", exceptions))}");
        Console.WriteLine($"     server time split (mean ms): before the first database call {Mean(r => Math.Max(0, r.BeforeDbMs)):F2} | in the database {Mean(Db):F2} " +
                          $"| between database calls {Mean(r => r.BeforeDbMs < 0 ? 0 : Math.Max(0, r.TotalMs - r.BeforeDbMs - r.AfterDbMs - Db(r))):F2} | after the last database call {Mean(r => r.AfterDbMs):F2}");
        Console.WriteLine($"     write lock held (BEGIN returned to COMMIT returned): mean {Mean(r => r.WriteLockHeldMs):F2} ms, p50 {Pct(r => r.WriteLockHeldMs, 50):F2}, p99 {Pct(r => r.WriteLockHeldMs, 99):F2} " +
                          $"(one writer at a time: at most {1000 / Math.Max(0.001, Mean(r => r.WriteLockHeldMs)):F0} such requests/s)");
        Console.WriteLine($"     waiting for the write lock: BEGIN p50 {Pct(r => r.BeginMs, 50):F2} ms, p99 {Pct(r => r.BeginMs, 99):F2}, max {Pct(r => r.BeginMs, 100):F2}; " +
                          $"requests whose BEGIN took >= 100 ms (at least one 150 ms busy sleep): {waited} ({100.0 * waited / all.Count:F1} %), " +
                          $"{all.Sum(r => r.BeginMs) / 1000:F1} s of BEGIN in all");
        var ordered = all.Where(r => r.Status is >= 200 and < 300).OrderBy(r => r.TotalMs).ToList();
        if (ordered.Count > 0)
        {
            var median = ordered[ordered.Count / 2];
            Console.WriteLine($"     statements of the median successful request ({median.TotalMs:F2} ms):");
            foreach (var s in median.Statements)
            {
                Console.WriteLine($"       {s}");
            }
        }
    }
}
