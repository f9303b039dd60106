namespace Aiprod.Bench.Writes;

/// <summary>
/// The write-path benchmark of issue 10, one command per operation:
/// <code>
///   dotnet run -c Release --project bench/Aiprod.Bench.Writes -- refresh|submit|workers|all [--profile] [--Key=Value ...]
/// </code>
/// Environment: ROUNDS (3), DURATION seconds per measurement (10), WARMUP seconds of load before the first round (20), REFRESH_CLIENTS (1,4,16), SUBMITTERS (8),
/// WORKERS (8), JOBS per workers round (800 per second of DURATION, at most 24,000: 8,000 at DURATION=10), SUBMIT_OWNERS (8 per submitter: the users whose jobs they queue, in turn), PORT (5197), KEEP_DATA=1 to keep the data folder, HOST_ENV="NAME=value ..." for environment variables of the host alone. <c>--Key=Value</c> arguments go to the API host as
/// configuration. The host runs as a child process of this one (role <c>host</c>).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "host")
        {
            return await WriteHost.RunAsync(args[1..]);
        }

        var mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
        if (mode is not ("refresh" or "submit" or "workers" or "all"))
        {
            await Console.Error.WriteLineAsync("usage: refresh|submit|workers|all [--profile] [--Key=Value ...]");
            return 2;
        }

        // DURATION first: the default JOBS is derived from it.
        if (Driver.DurationSeconds < 1 || Driver.Rounds < 1 || Driver.Jobs < 1)
        {
            await Console.Error.WriteLineAsync("DURATION, ROUNDS and JOBS must be at least 1.");
            return 2;
        }

        var modes = mode == "all" ? new[] { "refresh", "submit", "workers" } : [mode];
        var failed = false;
        foreach (var m in modes)
        {
            // Each operation on a fresh host and data folder: the queue one leaves behind must not slow the next.
            // The workers queue a whole round (JOBS) for one owner before they claim: that owner's cap is raised to
            // it (Driver.QueueCap). Arguments given on the command line come after, so they win.
            string[] hostDefaults = m == "workers" ? [$"--Jobs:MaxQueuedPerUser={Driver.QueueCap}"] : [];
            await using var driver = await Driver.StartAsync([.. hostDefaults, .. args]);
            failed |= !(args.Contains("--profile") ? await driver.ProfileAsync(m) : await driver.BenchAsync(m));
        }

        return failed ? 1 : 0;
    }
}
