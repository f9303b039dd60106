using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Aiprod.Functional.Tests.Infrastructure;

/// <summary>
/// A real redis-server on a free loopback port, started for the tests and stopped by its PID. Where the binary
/// is missing (.ci/run installs it), tests that need it are skipped with that reason.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? process;

    public string? UnavailableReason { get; private set; }

    public int Port { get; private set; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";

    public void SkipIfUnavailable() => Assert.SkipWhen(UnavailableReason is not null, UnavailableReason ?? string.Empty);

    public async ValueTask InitializeAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            UnavailableReason = "redis-server is not installed (apt-get install -y redis-server; .ci/run does this).";
            return;
        }

        Port = FreePort();
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
