using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Aiprod.Bench.Writes;

/// <summary>Starts the API host as a child process and drives it over loopback HTTP.</summary>
internal sealed partial class Driver : IAsyncDisposable
{
    private readonly Process host;
    private readonly string outDir;
    private readonly string dataFolder;
    private (TimeSpan Host, TimeSpan Driver) cpuAtTake;

    private Driver(Process host, string outDir, string dataFolder, HttpClient http)
    {
        this.host = host;
        this.outDir = outDir;
        this.dataFolder = dataFolder;
        Http = http;
    }

    public HttpClient Http { get; }

    /// <summary>What the phase that the last <see cref="TakeAsync"/> ended cost.</summary>
    private Cost LastCost { get; set; } = new(0, TimeSpan.Zero, TimeSpan.Zero);

    internal static int Rounds => Cli.Env("ROUNDS", 3);

    /// <summary>Seconds per measurement (DURATION).</summary>
    internal static int DurationSeconds => Cli.Env("DURATION", 10);

    private static TimeSpan Duration => TimeSpan.FromSeconds(DurationSeconds);

    /// <summary>
    /// Jobs queued for one owner per workers round (JOBS): by default 800 per second of DURATION (8,000 at 10 s, a round
    /// of some 13 s at 600 jobs/s), so that a round lasts about as long as the other operations' rounds, and at most
    /// <see cref="MaxDefaultJobs"/>. Rounds of 2,000 jobs (the default until 1 December) lasted 3–4.5 s, and each
    /// round ramps up over its first second or so from about half its rate.
    /// </summary>
    public static int Jobs => Cli.Env("JOBS", Math.Min(800 * DurationSeconds, MaxDefaultJobs));

    /// <summary>
    /// The largest default JOBS: every submit counts its owner's queue under the write lock up to the cap (JOBS), so
    /// queueing a round costs the square of its size (untimed, but a run's wall time).
    /// </summary>
    public const int MaxDefaultJobs = 24_000;

    /// <summary>The workers' profile keeps its 2,000 jobs: it holds every statement of every request in memory.</summary>
    public static int ProfileJobs => Math.Min(Jobs, 2000);

    /// <summary>
    /// The bench owner's queue cap on the host: a round (JOBS) with room to spare, also for the warm-up's batches (200)
    /// and the profile's (300). A job left queued by a failed round then shows in the next round's exactly-once check
    /// instead of refusing that round's last submit and ending the run.
    /// </summary>
    public static int QueueCap => Jobs + 1000;

    /// <summary>
    /// The load before the first round: long enough for tiered compilation to finish (it took about 30 s of
    /// refresh load on two busy cores; its JIT thread was 16 % of the host's CPU 10 s in), so that round 1's CPU
    /// per operation is not the compiler's.
    /// </summary>
    private static TimeSpan WarmUp => TimeSpan.FromSeconds(Cli.Env("WARMUP", 20));

    public static async Task<Driver> StartAsync(string[] args)
    {
        var port = Cli.Env("PORT", 5197);
        var outDir = Directory.CreateTempSubdirectory("aiprod-writes-out-").FullName;
        var dataFolder = Directory.CreateTempSubdirectory("aiprod-writes-data-").FullName;
        var self = typeof(Program).Assembly.Location;
        var runner = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo
        {
            FileName = Path.GetFileNameWithoutExtension(runner) == "dotnet" ? runner : "dotnet",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { self, "host", "--port", port.ToString(CultureInfo.InvariantCulture), "--out", outDir, "--data", dataFolder, "--parent", Environment.ProcessId.ToString(CultureInfo.InvariantCulture) }
                     .Concat(args.Where(a => a == "--profile" || (a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal)))))
        {
            start.ArgumentList.Add(a);
        }

        // HOST_ENV="NAME=value NAME2=value" sets environment variables of the host alone (runtime knobs such as
        // DOTNET_gcServer), so that the load generator keeps its own settings and the host's CPU per operation stays
        // comparable between runs.
        foreach (var pair in (Environment.GetEnvironmentVariable("HOST_ENV") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"HOST_ENV: '{pair}' is not NAME=value.");
            }

            start.Environment[pair[..eq]] = pair[(eq + 1)..];
        }

        var host = Process.Start(start) ?? throw new InvalidOperationException("Could not start the host.");
        var log = new System.Text.StringBuilder();
        host.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        host.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        for (var i = 0; i < 120 && !File.Exists(Path.Combine(outDir, "ready")); i++)
        {
            if (host.HasExited)
            {
                break;
            }

            await Task.Delay(500);
        }

        if (!File.Exists(Path.Combine(outDir, "ready")))
        {
            host.Kill(entireProcessTree: true);
            lock (log)
            {
                throw new InvalidOperationException("The host did not start:\n" + log);
            }
        }

        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = int.MaxValue,
            UseCookies = false,
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };
        var info = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(Path.Combine(outDir, "host-info.json")))!;
        Console.WriteLine($"host pid {host.Id} on {http.BaseAddress}, data folder {dataFolder}");
        Console.WriteLine("SQLite as the API runs it: " + string.Join("; ", info.Select(kv => $"{kv.Key} = {kv.Value}")));
        return new Driver(host, outDir, dataFolder, http);
    }

    public async Task<bool> BenchAsync(string mode)
    {
        Console.WriteLine($"== {mode}: {Rounds} round(s) of {Duration.TotalSeconds:F0} s, each beside a bare SQLite transaction loop in {dataFolder}");
        return mode switch
        {
            "refresh" => await RefreshBenchAsync(),
            "submit" => await SubmitBenchAsync(),
            _ => await WorkersBenchAsync(),
        };
    }

    private async Task<bool> RefreshBenchAsync()
    {
        var levels = Cli.EnvList("REFRESH_CLIENTS", [1, 4, 16]);
        var sessions = await Setup.SessionsAsync(Http, levels.Max(), "refresh");
        await Loads.RefreshAsync(Http, sessions, WarmUp);
        var figures = new Figures("rotations/s");
        var ok = true;
        for (var round = 1; round <= Rounds; round++)
        {
            var baseline = figures.Baseline(round, Baseline.Run(dataFolder, Duration));
            foreach (var n in levels)
            {
                await TakeAsync();
                var result = await Loads.RefreshAsync(Http, sessions.Take(n).ToList(), Duration);
                var cost = await CostAsync();
                figures.Add($"refresh, {n} client(s)", round, result.PerSecond);
                figures.AddCost($"refresh, {n} client(s)", cost, result.Ok);
                Console.WriteLine($"  round {round}: refresh x{n,-2} {result.PerSecond,8:F0} rotations/s ({100 * result.PerSecond / baseline,5:F1} % of the baseline)  {result}; {cost.Per(result.Ok, "rotation")}");
                ok &= result.Failures == 0;
            }
        }

        figures.Print();
        return ok;
    }

    private async Task<bool> SubmitBenchAsync()
    {
        var owners = await SubmitOwnersAsync();
        var n = owners.Length;
        await Loads.SubmitAsync(Http, owners, WarmUp);
        var figures = new Figures("submits/s");
        var ok = true;
        for (var round = 1; round <= Rounds; round++)
        {
            var baseline = figures.Baseline(round, Baseline.Run(dataFolder, Duration));
            await TakeAsync();
            var result = await Loads.SubmitAsync(Http, owners, Duration);
            var cost = await CostAsync();
            figures.Add($"submit, {n} client(s)", round, result.PerSecond);
            figures.AddCost($"submit, {n} client(s)", cost, result.Ok);
            Console.WriteLine($"  round {round}: submit x{n} {result.PerSecond,8:F0} requests/s ({100 * result.PerSecond / baseline,5:F1} % of the baseline)  {result}; {cost.Per(result.Ok, "submit")}");
            ok &= result.Failures == 0;
        }

        figures.Print();
        return ok;
    }

    /// <summary>
    /// The owners each submitter queues jobs for, in turn (SUBMITTERS clients, SUBMIT_OWNERS owners in all). Nothing
    /// drains the queue, so each owner's grows by its share of every submit, and the queue cap's count (every submit
    /// reads it under the write lock) grows with it. With one owner per client a round's last submits counted
    /// thousands of queued jobs each, a queue only a cap raised far past the default allows; with eight each, an owner's
    /// queue stays under a thousand in a default run (about 900 submits/s for 50 s). SUBMIT_OWNERS is rounded down
    /// to a multiple of SUBMITTERS.
    /// </summary>
    private async Task<Session[][]> SubmitOwnersAsync()
    {
        var n = Math.Max(1, Cli.Env("SUBMITTERS", 8));
        var perClient = Math.Max(1, Cli.Env("SUBMIT_OWNERS", 8 * n) / n);
        var sessions = await Setup.SessionsAsync(Http, n * perClient, "submit");
        return sessions.Chunk(perClient).ToArray();
    }

    private async Task<bool> WorkersBenchAsync()
    {
        var workers = Cli.Env("WORKERS", 8);
        var jobs = Jobs;
        var owner = (await Setup.SessionsAsync(Http, 1, "workers"))[0];
        var keys = await Setup.WorkerKeysAsync(Http, owner, workers);
        var expectedCompleted = 0;
        var ok = true;
        var warming = Stopwatch.StartNew();
        do
        {
            var warm = await Loads.WorkersAsync(Http, owner, keys, 200);
            expectedCompleted += warm.Completed;
            if (!warm.ExactlyOnce)
            {
                Console.WriteLine($"  warm-up: {warm}");
                ok = false;
            }
        }
        while (warming.Elapsed < WarmUp);
        var figures = new Figures("jobs/s");
        for (var round = 1; round <= Rounds; round++)
        {
            var baseline = figures.Baseline(round, Baseline.Run(dataFolder, Duration));
            var queuedRound = round;
            var result = await Loads.WorkersAsync(Http, owner, keys, jobs, async () =>
            {
                await TakeAsync();
                Console.WriteLine($"  round {queuedRound}: {jobs} jobs queued, {workers} workers start");
            });
            var cost = await CostAsync();
            expectedCompleted += result.Completed;
            figures.Add($"claim + complete, {workers} workers", round, result.PerSecond);
            figures.AddCost($"claim + complete, {workers} workers", cost, result.Completed);
            Console.WriteLine($"  round {round}: {workers} workers {result.PerSecond,8:F0} jobs/s ({100 * result.PerSecond / baseline,5:F1} % of the baseline) in {result.Elapsed.TotalSeconds:F1} s  {result}; {cost.Per(result.Completed, "job (claim and complete)")}");
            ok &= result.ExactlyOnce;
        }

        var counts = await Setup.JobCountsAsync(Http, owner);
        Console.WriteLine($"  the API's own count of the owner's jobs: {string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))} (expected completed {expectedCompleted}, queued 0, running 0)");
        ok &= counts["completed"] == expectedCompleted && counts["queued"] == 0 && counts["running"] == 0;
        figures.Print();
        return ok;
    }

    /// <summary>What the phase since the last take cost: the whole host's allocations and CPU time, and the driver's CPU time.</summary>
    private async Task<Cost> CostAsync()
    {
        await TakeAsync();
        return LastCost;
    }

    /// <summary>
    /// CPU time (user and system, all threads) of the host process and of this one. The host is a child process, so
    /// its figure is the server's alone: the load-insensitive cost of a request, beside which rates on a shared
    /// machine mean little.
    /// </summary>
    private (TimeSpan Host, TimeSpan Driver) CpuTimes()
    {
        host.Refresh();
        using var self = Process.GetCurrentProcess();
        return (host.TotalProcessorTime, self.TotalProcessorTime);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!host.HasExited)
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }

        host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var dir in Cli.Env("KEEP_DATA", 0) == 1 ? [outDir] : new[] { outDir, dataFolder })
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Left to the OS's temp cleanup.
            }
        }
    }
}

/// <summary>What a phase cost: bytes the host allocated, CPU time of the host and of the load generator (the driver).</summary>
internal sealed record Cost(long AllocatedBytes, TimeSpan HostCpu, TimeSpan DriverCpu)
{
    public double HostCpuMsPer(int operations) => HostCpu.TotalMilliseconds / Math.Max(1, operations);

    public double KbPer(int operations) => AllocatedBytes / 1024.0 / Math.Max(1, operations);

    public string Per(int operations, string what) =>
        $"host CPU {HostCpuMsPer(operations):F3} ms and {KbPer(operations):F0} KB allocated per {what} (load generator CPU {DriverCpu.TotalMilliseconds / Math.Max(1, operations):F3} ms)";
}

/// <summary>Per-round figures of each measurement beside the baseline of the same round; mean and spread at the end.</summary>
internal sealed class Figures(string unit)
{
    private readonly Dictionary<int, double> baselines = [];
    private readonly List<(string Name, int Round, double Value)> values = [];
    private readonly List<(string Name, double CpuMs, double Kb)> costs = [];

    public double Baseline(int round, double commitsPerSecond)
    {
        baselines[round] = commitsPerSecond;
        Console.WriteLine($"  round {round}: bare SQLite {commitsPerSecond,8:F0} commits/s (WAL, synchronous=FULL, one insert and one update per transaction)");
        return commitsPerSecond;
    }

    public void Add(string name, int round, double value) => values.Add((name, round, value));

    public void AddCost(string name, Cost cost, int operations) => costs.Add((name, cost.HostCpuMsPer(operations), cost.KbPer(operations)));

    public void Print()
    {
        Console.WriteLine($"  -- over {baselines.Count} round(s): mean, standard deviation, min–max");
        Print("bare SQLite commits/s", [.. baselines.Values], null);
        foreach (var group in values.GroupBy(v => v.Name))
        {
            Print($"{group.Key}, {unit}", [.. group.Select(v => v.Value)], [.. group.Select(v => v.Value / baselines[v.Round])]);
        }

        foreach (var group in costs.GroupBy(c => c.Name))
        {
            double[] cpu = [.. group.Select(c => c.CpuMs)];
            double[] kb = [.. group.Select(c => c.Kb)];
            Console.WriteLine($"  {group.Key + ", host CPU ms per operation",-46} {cpu.Average(),8:F3} ± {Sd(cpu),6:F3}  ({cpu.Min():F3}–{cpu.Max():F3}); KB allocated {kb.Average():F0} ({kb.Min():F0}–{kb.Max():F0})");
        }
    }

    private static double Sd(double[] xs)
    {
        var mean = xs.Average();
        return xs.Length > 1 ? Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1)) : 0;
    }

    private static void Print(string name, double[] xs, double[]? ratios)
    {
        var mean = xs.Average();
        var sd = Sd(xs);
        var ratio = ratios is null ? string.Empty : $"   ratio to baseline {100 * ratios.Average():F1} % ({100 * ratios.Min():F1}–{100 * ratios.Max():F1} %)";
        Console.WriteLine($"  {name,-46} {mean,8:F0} ± {sd,6:F0}  ({xs.Min():F0}–{xs.Max():F0}){ratio}");
    }
}
