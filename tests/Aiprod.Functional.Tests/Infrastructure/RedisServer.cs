using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Aiprod.Functional.Tests.Infrastructure;

/// <summary>
/// A real redis-server on a free loopback port, started for the tests and stopped by its PID. Where the binary
/// is missing (.ci/run installs it), tests that need it are skipped with that reason.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? process;
    private int port;

    public string? UnavailableReason { get; private set; }

    /// <summary>The loopback port to listen on; a free one when not set.</summary>
    public int Port { get => port; init => port = value; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>A server started for one test (on <paramref name="port"/>, or a free one); the test is skipped where none can run.</summary>
    public static async Task<RedisServer> StartAsync(int port = 0)
    {
        var server = new RedisServer { Port = port };
        await server.InitializeAsync();
        if (server.UnavailableReason is not null)
        {
            await server.DisposeAsync();
        }

        server.SkipIfUnavailable();
        return server;
    }

    public void SkipIfUnavailable() => Assert.SkipWhen(UnavailableReason is not null, UnavailableReason ?? string.Empty);

    public async ValueTask InitializeAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            UnavailableReason = "redis-server is not installed (apt-get install -y redis-server; .ci/run does this).";
            return;
        }

        if (port == 0)
        {
            port = FreePort();
        }

        process = Process.Start(new ProcessStartInfo(binary, $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no --protected-mode yes")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        });
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        UnavailableReason = $"redis-server did not start on port {Port}.";
    }

    /// <summary>A free loopback port with nothing listening on it (yet).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A stalled Redis: the server stops answering every client (<c>CLIENT PAUSE … ALL</c>) for the given time.</summary>
    public async Task PauseAsync(TimeSpan duration)
    {
        using var connection = new TcpClient();
        await connection.ConnectAsync(IPAddress.Loopback, Port);
        var stream = connection.GetStream();
        var ms = ((long)duration.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"*4\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n${ms.Length}\r\n{ms}\r\n$3\r\nALL\r\n"));
        var reply = new byte[64];
        var read = await stream.ReadAsync(reply);
        Assert.StartsWith("+OK", Encoding.ASCII.GetString(reply, 0, read), StringComparison.Ordinal);
    }

    /// <summary>
    /// A slow but living Redis, as an overloaded one: a script keeps the server busy for <paramref name="each"/>,
    /// again and again until disposed, so every command waits up to that long, and is then answered.
    /// </summary>
    public IAsyncDisposable KeepBusy(TimeSpan each)
    {
        const string script = "local s = redis.call('TIME') local start = s[1] * 1000000 + s[2] "
            + "repeat local t = redis.call('TIME') until (t[1] * 1000000 + t[2]) - start >= tonumber(ARGV[1])";
        var micros = ((long)(each.TotalMilliseconds * 1000)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var command = Encoding.ASCII.GetBytes(
            $"*4\r\n$4\r\nEVAL\r\n${script.Length}\r\n{script}\r\n$1\r\n0\r\n${micros.Length}\r\n{micros}\r\n");
        var stop = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            using var connection = new TcpClient();
            await connection.ConnectAsync(IPAddress.Loopback, Port);
            var stream = connection.GetStream();
            var reply = new byte[256];
            while (!stop.IsCancellationRequested)
            {
                await stream.WriteAsync(command);
                _ = await stream.ReadAsync(reply);
            }
        });
        return new Busy(stop, loop);
    }

    /// <summary>A dead Redis: the server is killed by its PID.</summary>
    public void Kill()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process?.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Busy(CancellationTokenSource stop, Task loop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await loop;
            stop.Dispose();
        }
    }
}
