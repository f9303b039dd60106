using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Bench.Http;

// Hosts the real API on loopback Kestrel, with two twin bench reads (one anonymous, one [Authorize]), creates a
// user, writes an access token and (when asked) an API key to files, and serves until killed. bench/http/*.sh
// drive it with wrk. Arguments: --port N --out DIR, then any configuration override (--Key=Value).
internal static class BenchHost
{
    public static async Task Main(string[] args)
    {
        var port = int.Parse(Arg(args, "--port") ?? "5199", System.Globalization.CultureInfo.InvariantCulture);
        var outDir = Arg(args, "--out") ?? Path.GetTempPath();
        var overrides = args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal))
            .Select(a => a[2..].Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);

        var dataFolder = Directory.CreateTempSubdirectory("aiprod-bench-").FullName;
        await using var factory = new WebApplicationFactory<global::Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseContentRoot(AppContext.BaseDirectory);
            b.UseSetting("DataFolder:Path", dataFolder);
            b.UseSetting("RateLimits:Enabled", "false");
            // Production requires the checkpoint signing key; a throwaway one for the measurement.
            b.UseSetting("Audit:SigningKeyPem", System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem());
            b.UseSetting("Webhooks:SecretKey", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
            b.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in overrides)
            {
                b.UseSetting(key, value);
            }

            b.ConfigureServices(s => s.AddControllers().AddApplicationPart(typeof(BenchController).Assembly));
        });
        factory.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        factory.StartServer();

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        const string password = "bench password 123";
        (await client.PostAsJsonAsync("/auth/register", new { email = "bench@example.com", password })).EnsureSuccessStatusCode();
        var login = await (await client.PostAsJsonAsync("/auth/login", new { email = "bench@example.com", password })).Content.ReadFromJsonAsync<JsonElement>();
        var accessToken = login.GetProperty("access_token").GetString()!;
        await File.WriteAllTextAsync(Path.Combine(outDir, "access_token"), accessToken);
        await BenchSetup.AfterLoginAsync(client, accessToken, outDir);
        await File.WriteAllTextAsync(Path.Combine(outDir, "ready"), "ready");
        Console.WriteLine($"bench host on http://127.0.0.1:{port}; token files in {outDir}");

        // Serves until the script's kill (SIGTERM): the host's console lifetime takes the signal and stops the
        // application, and Main must then return, or the process outlives the script, holding its sockets and CPU.
        var stopping = factory.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;
        await Task.Delay(Timeout.Infinite, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
