using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Aiprod.Functional.Tests.Infrastructure;

/// <summary>
/// Azurite's blob service (the Azure Storage emulator, from npm) on a free loopback port, in a temp folder, started
/// for the tests and stopped by its PID, as <see cref="RedisServer"/>. Where it is not installed (.ci/run installs it),
/// tests that need it are skipped with that reason.
/// </summary>
public sealed class AzuriteServer : IAsyncLifetime
{
    // Azurite's well-known development account: public, documented, accepted by nothing but the emulator.
    private const string DevAccount = "devstoreaccount1";
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? process;
    private string? folder;

    public string? UnavailableReason { get; private set; }

    public int Port { get; private set; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={DevAccount};AccountKey={DevKey};BlobEndpoint=http://127.0.0.1:{Port}/{DevAccount};";

    public void SkipIfUnavailable() => Assert.SkipWhen(UnavailableReason is not null, UnavailableReason ?? string.Empty);

    public async ValueTask InitializeAsync()
    {
        var binary = Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator)
            .Select(p => Path.Combine(p, "azurite-blob"))
            .FirstOrDefault(File.Exists);
        if (binary is null)
        {
            UnavailableReason = "azurite-blob is not installed (npm install -g azurite; .ci/run does this).";
            return;
        }

        Port = RedisServer.FreePort();
        folder = Directory.CreateTempSubdirectory("aiprod-azurite-").FullName;
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", folder, "--silent", "--disableTelemetry", "--skipApiVersionCheck" })
        {
            start.ArgumentList.Add(argument);
        }

        process = Process.Start(start);
        process?.BeginOutputReadLine();
        process?.BeginErrorReadLine();
        // Node takes seconds to start on a busy machine; bounded, and given up as soon as the process died.
        for (var i = 0; i < 1200 && process is { HasExited: false }; i++)
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

        UnavailableReason = $"azurite-blob did not start on port {Port}.";
    }

    /// <summary>A stalled storage: the emulator is stopped (SIGSTOP), so connections open and nothing answers.</summary>
    public void Stall() => Signal("-STOP");

    /// <summary>Lets a stalled emulator go on (SIGCONT).</summary>
    public void Resume() => Signal("-CONT");

    /// <summary>A dead storage: the emulator is killed by its PID.</summary>
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
            // A stopped process takes SIGKILL too, but its node children would keep the port until they go on.
            Resume();
        }

        Kill();
        process?.Dispose();
        if (folder is not null)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // The OS cleans its temp folder.
            }
        }

        return ValueTask.CompletedTask;
    }

    private void Signal(string signal)
    {
        if (process is not { HasExited: false })
        {
            throw new InvalidOperationException("azurite-blob is not running.");
        }

        using var kill = Process.Start("kill", [signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {process.Id} exited with {kill.ExitCode}.");
        }
    }
}
