using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Aiprod.Bench.WebSockets;

/// <summary>
/// Against a running bench host (bench/http/websockets.sh starts one): opens N sockets following one job, then
/// reports progress as the worker (200 reports before the sockets open, 30 warm-up reports, <c>--warmup</c>, then M
/// measured ones) and measures, for every socket and report, the time from sending the report to receiving the
/// event, and the CPU both processes spent and the host's allocation per delivery. Then opens sockets in steps up to
/// a ceiling and reports how many were held at once and the host's resident memory. First of all, the same fan-out
/// over bare loopback TCP (<see cref="BareFanOut"/>), the floor the figures are compared with.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == BareFanOut.SenderFlag)
        {
            return BareFanOut.RunSender(args);
        }

        if (Arg(args, "--bare-only") is { } bareOnly)
        {
            var floor = await BareFanOut.MeasureAsync(int.Parse(bareOnly, CultureInfo.InvariantCulture), BareFrameBytes, 50);
            Console.WriteLine($"bare: median {Percentile(floor, 0.50):F1} ms, p99 {Percentile(floor, 0.99):F1} ms");
            return 0;
        }

        var dir = Arg(args, "--out") ?? throw new ArgumentException("--out DIR");
        var port = int.Parse(Arg(args, "--port") ?? "5199", CultureInfo.InvariantCulture);
        var subscribers = int.Parse(Arg(args, "--subscribers") ?? "1000", CultureInfo.InvariantCulture);
        var reports = int.Parse(Arg(args, "--reports") ?? "50", CultureInfo.InvariantCulture);
        var ceiling = int.Parse(Arg(args, "--max-sockets") ?? "10000", CultureInfo.InvariantCulture);
        var hostPid = int.Parse(Arg(args, "--host-pid") ?? "0", CultureInfo.InvariantCulture);
        // Reports before the measured ones, so that the host's compiler has tiered up the fan-out path.
        var warmup = int.Parse(Arg(args, "--warmup") ?? "30", CultureInfo.InvariantCulture);
        // Each report only once every socket has the one before it: the latency of one report alone, not of reports
        // queued behind the fan-out of the last one.
        var isolated = args.Contains("--isolated");
        if (warmup + reports > 100)
        {
            throw new ArgumentException("--warmup and --reports together at most 100: each report is a progress value");
        }

        var reader = await File.ReadAllTextAsync(Path.Combine(dir, "api_key"));
        var worker = await File.ReadAllTextAsync(Path.Combine(dir, "worker_key"));
        var job = await File.ReadAllTextAsync(Path.Combine(dir, "job_id"));
        var wsUri = new Uri($"ws://127.0.0.1:{port}/ws/job/{job}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("X-API-Key", worker);

        // The report's own path (authentication, the command, its commit) is compiled and tiered up before anyone
        // listens: reports that nobody follows yet.
        (await http.PostAsJsonAsync("/pipeline/worker/claim", new { lease_seconds = 600 })).EnsureSuccessStatusCode();
        for (var i = 0; i < 200; i++)
        {
            (await http.PostAsJsonAsync($"/pipeline/worker/jobs/{job}/progress", new { progress = 0 })).EnsureSuccessStatusCode();
        }

        // 0. The floor: the same fan-out over bare loopback TCP, in this process, before the host's sockets open.
        var bare = await BareFanOut.MeasureAsync(subscribers, BareFrameBytes, reports);
        Console.WriteLine($"bare fan-out of {BareFrameBytes}-byte frames to {subscribers} loopback TCP connections, {reports} rounds one at a time: " +
            $"median {Percentile(bare, 0.50):F1} ms, p90 {Percentile(bare, 0.90):F1} ms, p99 {Percentile(bare, 0.99):F1} ms, max {bare[^1]:F1} ms");

        // 1. Latency of one report to N subscribers.
        var sockets = await OpenAsync(wsUri, reader, subscribers);
        Console.WriteLine($"{sockets.Count} subscribers connected");
        var sentAt = new long[warmup + reports + 1];
        var latencies = new List<double>[sockets.Count];
        var received = new int[sockets.Count];
        var eventBytes = 0;
        var receivers = sockets.Select((s, i) => Task.Run(async () =>
        {
            latencies[i] = new List<double>(reports);
            var buffer = new byte[16 * 1024];
            while (received[i] < warmup + reports)
            {
                var result = await s.ReceiveAsync(buffer, CancellationToken.None);
                var now = Stopwatch.GetTimestamp();
                using var doc = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                if (doc.RootElement.GetProperty("type").GetString() == "progress")
                {
                    var n = doc.RootElement.GetProperty("progress").GetInt32();
                    Volatile.Write(ref eventBytes, result.Count);
                    Interlocked.Increment(ref received[i]);
                    if (n > warmup)
                    {
                        latencies[i].Add(Stopwatch.GetElapsedTime(Volatile.Read(ref sentAt[n]), now).TotalMilliseconds);
                    }
                }
            }
        })).ToArray();

        await Task.Delay(500);
        var before = default(Cost);
        PerfRecorder? perf = null;
        for (var r = 1; r <= warmup + reports; r++)
        {
            if (r == warmup + 1)
            {
                // Every socket has its warm-up reports: the measured ones start from an idle host.
                while (Enumerable.Range(0, received.Length).Any(i => Volatile.Read(ref received[i]) < warmup))
                {
                    await Task.Delay(50);
                }

                // Tier-up of what the reports and the fan-out ran so far is queued behind a busy machine: let the
                // host's compiler drain (under 10 methods in a second, or 60 s), or its work lands in the measurement.
                var settled = await SettleJitAsync(http);
                Console.WriteLine($"host compiler settled after {settled.TotalSeconds:F0} s");
                before = await CostAsync(http, hostPid);
                perf = PerfRecorder.Start(Arg(args, "--perf-out"), hostPid);
            }

            Volatile.Write(ref sentAt[r], Stopwatch.GetTimestamp());
            (await http.PostAsJsonAsync($"/pipeline/worker/jobs/{job}/progress", new { progress = r })).EnsureSuccessStatusCode();
            await Task.Delay(100);
            var waited = Stopwatch.StartNew();
            while (isolated && Enumerable.Range(0, received.Length).Any(i => Volatile.Read(ref received[i]) < r))
            {
                if (receivers.Any(t => t.IsFaulted) || waited.Elapsed > TimeSpan.FromSeconds(60))
                {
                    // A socket that failed (the host drops a client too slow to keep up) or fell behind for a minute.
                    Console.WriteLine($"report {r} did not reach every socket: a receiver failed or a minute passed");
                    return 1;
                }

                await Task.Delay(5);
            }
        }

        if (!Task.WaitAll(receivers, TimeSpan.FromSeconds(60)))
        {
            Console.WriteLine("some subscribers did not receive every report within 60 s");
            return 1;
        }

        perf?.Dispose();
        var spent = (await CostAsync(http, hostPid)) - before;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        Console.WriteLine($"report → delivery on {sockets.Count} sockets, {reports} reports ({all.Length} deliveries): " +
            $"median {Percentile(all, 0.50):F1} ms, p90 {Percentile(all, 0.90):F1} ms, p99 {Percentile(all, 0.99):F1} ms, max {all[^1]:F1} ms");
        Console.WriteLine($"{(isolated ? "one report at a time" : "reports 100 ms apart, queued behind earlier ones when a fan-out takes longer")}; against the bare fan-out of the same run: median {Percentile(all, 0.50) / Percentile(bare, 0.50):F1}×, p99 {Percentile(all, 0.99) / Percentile(bare, 0.99):F1}× " +
            $"(the event's JSON is {eventBytes} bytes, its frame {eventBytes + (eventBytes < 126 ? 2 : 4)})");
        var thousands = all.Length / 1000.0;
        Console.WriteLine($"host CPU {spent.HostCpu.TotalMilliseconds / reports:F1} ms per report, {spent.HostCpu.TotalMilliseconds / thousands:F1} ms per 1,000 deliveries; " +
            $"host allocated {spent.AllocatedBytes / 1024.0 / thousands:F0} KB per 1,000 deliveries ({spent.Gen0} gen0, {spent.Gen1} gen1, {spent.Gen2} gen2 collections); " +
            $"this client's CPU {spent.ClientCpu.TotalMilliseconds / thousands:F1} ms per 1,000 deliveries (the reports' HTTP requests and commits included in the host's); " +
            $"the host compiled {spent.MethodsCompiled} methods meanwhile ({spent.CompilationMs:F0} ms of JIT)");

        // 2. How many sockets one instance holds.
        var held = sockets;
        var step = 2000;
        while (held.Count < ceiling)
        {
            var more = await OpenAsync(wsUri, reader, Math.Min(step, ceiling - held.Count));
            held.AddRange(more);
            Console.WriteLine($"{held.Count} sockets open; host resident memory {Rss(hostPid)}");
            if (more.Count < Math.Min(step, ceiling - held.Count))
            {
                break;
            }
        }

        var pinger = held[^1];
        var started = Stopwatch.GetTimestamp();
        await pinger.SendAsync(Encoding.UTF8.GetBytes("ping"), WebSocketMessageType.Text, true, CancellationToken.None);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            var buffer = new byte[4096];
            while (true)
            {
                var result = await pinger.ReceiveAsync(buffer, timeout.Token);
                if (Encoding.UTF8.GetString(buffer, 0, result.Count).Contains("\"pong\"", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        Console.WriteLine($"with {held.Count} sockets open, a ping is answered in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms");
        foreach (var s in held)
        {
            s.Abort();
            s.Dispose();
        }

        return 0;
    }

    /// <summary>The bare fan-out's frame: a progress event's JSON (about 140 bytes) and its 4-byte WebSocket header, rounded up.</summary>
    private const int BareFrameBytes = 160;

    private static async Task<List<ClientWebSocket>> OpenAsync(Uri uri, string key, int count)
    {
        var opened = new List<ClientWebSocket>(count);
        using var gate = new SemaphoreSlim(64);
        var tasks = Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var socket = new ClientWebSocket();
                socket.Options.SetRequestHeader("X-API-Key", key);
                await socket.ConnectAsync(uri, CancellationToken.None);
                var buffer = new byte[4096];
                await socket.ReceiveAsync(buffer, CancellationToken.None); // connected
                lock (opened)
                {
                    opened.Add(socket);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
            {
                Console.WriteLine($"connect failed: {ex.Message}");
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);
        return opened;
    }

    private static async Task<TimeSpan> SettleJitAsync(HttpClient http)
    {
        var started = Stopwatch.GetTimestamp();
        var compiled = (await http.GetFromJsonAsync<JsonElement>("/bench/memory")).GetProperty("methods_compiled").GetInt64();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(1000);
            var now = (await http.GetFromJsonAsync<JsonElement>("/bench/memory")).GetProperty("methods_compiled").GetInt64();
            if (now - compiled < 10)
            {
                break;
            }

            compiled = now;
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Both processes' CPU time and the host's allocation so far (its /bench/memory).</summary>
    private static async Task<Cost> CostAsync(HttpClient http, int hostPid)
    {
        var memory = await http.GetFromJsonAsync<JsonElement>("/bench/memory");
        using var host = hostPid == 0 ? null : Process.GetProcessById(hostPid);
        return new Cost(
            host?.TotalProcessorTime ?? TimeSpan.Zero,
            Process.GetCurrentProcess().TotalProcessorTime,
            memory.GetProperty("allocated_bytes").GetInt64(),
            memory.GetProperty("gen0").GetInt32(),
            memory.GetProperty("gen1").GetInt32(),
            memory.GetProperty("gen2").GetInt32(),
            memory.GetProperty("methods_compiled").GetInt64(),
            memory.GetProperty("compilation_ms").GetDouble());
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string Rss(int pid)
    {
        if (pid == 0 || !File.Exists($"/proc/{pid}/status"))
        {
            return "unknown";
        }

        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line?["VmRSS:".Length..].Trim() ?? "unknown";
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

internal readonly record struct Cost(TimeSpan HostCpu, TimeSpan ClientCpu, long AllocatedBytes, int Gen0, int Gen1, int Gen2, long MethodsCompiled, double CompilationMs)
{
    public static Cost operator -(Cost a, Cost b) => new(
        a.HostCpu - b.HostCpu, a.ClientCpu - b.ClientCpu, a.AllocatedBytes - b.AllocatedBytes, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2,
        a.MethodsCompiled - b.MethodsCompiled, a.CompilationMs - b.CompilationMs);
}

/// <summary>
/// <c>perf record</c> of the host while the reports fan out (<c>--perf-out FILE</c>); the host needs
/// <c>DOTNET_PerfMapEnabled=1</c> for the names of its compiled methods.
/// </summary>
internal sealed class PerfRecorder : IDisposable
{
    private readonly Process perf;

    private PerfRecorder(Process perf) => this.perf = perf;

    public static PerfRecorder? Start(string? output, int hostPid)
    {
        if (output is null || hostPid == 0)
        {
            return null;
        }

        var perf = Process.Start(new ProcessStartInfo("perf", ["record", "-F", "499", "-g", "-p", hostPid.ToString(CultureInfo.InvariantCulture), "-o", output])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        Thread.Sleep(500);
        return new PerfRecorder(perf);
    }

    /// <summary>SIGINT, as perf expects, so that it writes its file out.</summary>
    public void Stop()
    {
        if (!perf.HasExited)
        {
            using var interrupt = Process.Start("kill", ["-INT", perf.Id.ToString(CultureInfo.InvariantCulture)]);
            interrupt.WaitForExit();
        }

        perf.WaitForExit();
    }

    public void Dispose()
    {
        Stop();
        perf.Dispose();
    }
}
