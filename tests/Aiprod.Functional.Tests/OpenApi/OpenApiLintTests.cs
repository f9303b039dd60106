using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Aiprod.Functional.Tests.OpenApi;

/// <summary>
/// Spectral (spectral:oas) and Redocly (recommended) on the checked-in document, with the rulesets in openapi/: zero
/// errors and zero warnings. The linters come from npm (tools/openapi, installed by .ci/run with <c>npm ci</c>); where
/// they are missing the tests are skipped with that reason.
/// </summary>
public sealed class OpenApiLintTests
{
    private static readonly string Spectral = Path.Combine(OpenApiRepository.ToolsFolder, "node_modules", ".bin", "spectral");

    private static readonly string Redocly = Path.Combine(OpenApiRepository.ToolsFolder, "node_modules", ".bin", "redocly");

    [Fact]
    public async Task Spectral_FindsNothing()
    {
        var findings = await SpectralAsync(Path.Combine(OpenApiRepository.Root, "openapi"));

        Assert.True(findings.Count == 0, "Spectral: " + string.Join("\n", findings));
    }

    [Fact]
    public async Task Redocly_FindsNothing()
    {
        var findings = await RedoclyAsync(Path.Combine(OpenApiRepository.Root, "openapi"));

        Assert.True(findings.Count == 0, "Redocly: " + string.Join("\n", findings));
    }

    [Fact]
    public async Task BothLinters_FindAnOperationWithoutIdOrSecurity()
    {
        // The same rulesets on a copy with one operation stripped: the linters run here are able to fail.
        var folder = Directory.CreateTempSubdirectory("aiprod-openapi-lint-");
        try
        {
            foreach (var file in new[] { ".spectral.yaml", "redocly.yaml", ".redocly.lint-ignore.yaml" })
            {
                File.Copy(Path.Combine(OpenApiRepository.Root, "openapi", file), Path.Combine(folder.FullName, file));
            }

            var document = OpenApiRepository.CheckedInDocument();
            var login = document["paths"]!["/auth/login"]!["post"]!.AsObject();
            login.Remove("operationId");
            login.Remove("security");
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "v1.json"), document.ToJsonString(), TestContext.Current.CancellationToken);

            Assert.Contains(await SpectralAsync(folder.FullName), f => f.Contains("operation-operationId", StringComparison.Ordinal));
            var redocly = await RedoclyAsync(folder.FullName);
            Assert.Contains(redocly, f => f.Contains("operation-operationId", StringComparison.Ordinal));
            Assert.Contains(redocly, f => f.Contains("security-defined", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Spectral's findings on v1.json in <paramref name="folder"/>, with its .spectral.yaml.</summary>
    private static async Task<List<string>> SpectralAsync(string folder)
    {
        SkipUnlessInstalled(Spectral);
        var output = Path.Combine(folder, "spectral-results.json");
        try
        {
            await RunAsync(Spectral, folder, "lint", "--format", "json", "--output", output, "--ruleset", ".spectral.yaml", "v1.json");
            return JsonNode.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken))!.AsArray()
                .Select(r => $"{r!["code"]} at {string.Join('.', r["path"]!.AsArray())}: {r["message"]}").ToList();
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>Redocly's findings (ignored ones aside) on v1.json in <paramref name="folder"/>, with its redocly.yaml.</summary>
    private static async Task<List<string>> RedoclyAsync(string folder)
    {
        SkipUnlessInstalled(Redocly);
        var json = await RunAsync(Redocly, folder, "lint", "--config", "redocly.yaml", "--format", "json", "v1.json");
        return JsonNode.Parse(json)!["problems"]!.AsArray()
            .Where(p => p!["ignored"]?.GetValue<bool>() != true)
            .Select(p => $"{p!["ruleId"]} ({p["severity"]}) at {p["location"]?[0]?["pointer"]}: {p["message"]}").ToList();
    }

    private static void SkipUnlessInstalled(string tool) =>
        Assert.SkipUnless(File.Exists(tool), $"{Path.GetFileName(tool)} is not installed: run `npm ci` in tools/openapi (.ci/run does; it needs Node.js and npm).");

    /// <summary>Runs a linter and returns its standard output; its exit code is not the verdict (findings are).</summary>
    private static async Task<string> RunAsync(string tool, string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(tool)} did not finish within 3 minutes: {await stderr}");
        }

        var text = await stdout;
        Assert.True(process.ExitCode is 0 or 1, $"{Path.GetFileName(tool)} failed ({process.ExitCode}): {await stderr}");
        return text;
    }
}
