using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Aiprod.Bench.WebSockets;

/// <summary>
/// The floor of a fan-out on this machine, measured in the same run: N loopback TCP connections between a child
/// process (the sender, in place of the host) and this one, with no HTTP, no WebSocket library and no database. On
/// each round the sender writes the same frame to every connection (blocking sends, the cheapest a sender can do,
/// from one thread per core over its share of the connections); this process reads every connection on the thread pool, as the real client does. After five warm-up rounds, a round's latencies run
/// from telling the sender to go (in place of the report) to each receipt; the next round starts 100 ms after every
/// connection has the last one (a round alone: without that wait a sender that never slows down queues rounds behind
/// each other, which the host's reports, paced by their HTTP answers, do far less). Both processes share the machine's cores,
/// as the host and this client do.
/// </summary>
internal static class BareFanOut
{
    public const string SenderFlag = "--bare-sender";

    /// <summary>Rounds before the measured ones, as the host gets warm-up reports: the sender's first sends are not the floor.</summary>
    private const int WarmUpRounds = 5;

    /// <summary>How long one round may take before the measurement gives up.</summary>
    private static readonly TimeSpan RoundDeadline = TimeSpan.FromSeconds(60);

    public static async Task<double[]> MeasureAsync(int connections, int frameBytes, int rounds)
    {
        // The child runs this same assembly through the dotnet host, however this process was started.
        var runner = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        using var sender = Process.Start(new ProcessStartInfo(runner,
            [typeof(BareFanOut).Assembly.Location, SenderFlag, connections.ToString(CultureInfo.InvariantCulture), frameBytes.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        var receivers = new List<Socket>(connections);
        try
        {
            var port = int.Parse(await sender.StandardOutput.ReadLineAsync() ?? throw new IOException("bare sender: no port"), CultureInfo.InvariantCulture);
            for (var i = 0; i < connections; i++)
            {
                var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                receivers.Add(receiver);
                await receiver.ConnectAsync(IPAddress.Loopback, port);
            }

            if (await sender.StandardOutput.ReadLineAsync() != "accepted")
            {
                throw new IOException("bare sender: did not accept every connection");
            }

            var total = WarmUpRounds + rounds;
            var startedAt = new long[total];
            var latencies = new double[connections * total];
            var receipts = new int[total];
            var reading = receivers.Select((s, i) => Task.Run(async () =>
            {
                var buffer = new byte[4096];
                for (var round = 0; round < total; round++)
                {
                    var got = 0;
                    while (got < frameBytes)
                    {
                        var n = await s.ReceiveAsync(buffer.AsMemory(0, frameBytes - got), SocketFlags.None);
                        if (n == 0)
                        {
                            throw new IOException("bare fan-out: connection closed early");
                        }

                        got += n;
                    }

                    latencies[(round * connections) + i] = Stopwatch.GetElapsedTime(Volatile.Read(ref startedAt[round])).TotalMilliseconds;
                    Interlocked.Increment(ref receipts[round]);
                }
            })).ToArray();

            await Task.Delay(500);
            for (var round = 0; round < total; round++)
            {
                Volatile.Write(ref startedAt[round], Stopwatch.GetTimestamp());
                await sender.StandardInput.WriteLineAsync("go");
                await sender.StandardInput.FlushAsync();
                await Task.Delay(100);
                var deadline = Stopwatch.StartNew();
                while (Volatile.Read(ref receipts[round]) < connections)
                {
                    // A receiver that failed, or a sender that died, never completes the round.
                    if (reading.FirstOrDefault(t => t.IsFaulted) is { } failed)
                    {
                        await failed;
                    }

                    if (sender.HasExited || deadline.Elapsed > RoundDeadline)
                    {
                        throw new IOException($"bare fan-out: round {round} reached {Volatile.Read(ref receipts[round])} of {connections} connections");
                    }

                    await Task.Delay(5);
                }
            }

            await Task.WhenAll(reading).WaitAsync(RoundDeadline);
            var measured = latencies[(WarmUpRounds * connections)..];
            Array.Sort(measured);
            return measured;
        }
        finally
        {
            foreach (var s in receivers)
            {
                s.Dispose();
            }

            sender.StandardInput.Close();
            if (!sender.WaitForExit(10_000))
            {
                sender.Kill();
            }
        }
    }

    /// <summary>The child: accepts the connections, then sends one frame to each, in turn, per line on its input.</summary>
    public static int RunSender(string[] args)
    {
        var connections = int.Parse(args[1], CultureInfo.InvariantCulture);
        var frame = new byte[int.Parse(args[2], CultureInfo.InvariantCulture)];
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4096);
        Console.WriteLine(((IPEndPoint)listener.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture));
        var senders = new List<Socket>(connections);
        // A parent that died while connecting must not leave this process waiting for ever.
        using var connecting = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        for (var i = 0; i < connections; i++)
        {
            var s = listener.AcceptAsync(connecting.Token).AsTask().GetAwaiter().GetResult();
            s.NoDelay = true;
            senders.Add(s);
        }

        Console.WriteLine("accepted");
        // As many sending threads as cores, each with its share of the connections, as the host's sends spread over its
        // I/O threads.
        var slices = senders.Chunk((connections + Environment.ProcessorCount - 1) / Environment.ProcessorCount).ToArray();
        while (Console.ReadLine() is not null)
        {
            Parallel.ForEach(slices, new ParallelOptions { MaxDegreeOfParallelism = slices.Length }, slice =>
            {
                foreach (var s in slice)
                {
                    s.Send(frame);
                }
            });
        }

        foreach (var s in senders)
        {
            s.Dispose();
        }

        return 0;
    }
}
