using System.Text.Json;
using System.Xml.Linq;

namespace Aiprod.Architecture.Tests;

/// <summary>
/// The API's process settings (<c>src/Aiprod.Api/ApiRuntime.props</c>) reach the shipped runtimeconfig.json, and every
/// bench that hosts the API imports them, so that what a bench measures is the API as it ships.
/// </summary>
public sealed class RuntimeSettingsTests
{
    private const string SettingsFile = "ApiRuntime.props";

    [Fact]
    public void TheApisRuntimeConfig_TurnsIdleThreadPoolSpinningOff_AndKeepsServerGc()
    {
        // A referenced executable's runtimeconfig.json is copied beside this test's own assemblies.
        var path = Path.Combine(AppContext.BaseDirectory, "Aiprod.Api.runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} is missing: the API is no longer built as an executable beside this test.");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var spin),
            $"The API's runtimeconfig sets no thread-pool spin limit: is {SettingsFile} still imported by Aiprod.Api.csproj?");
        Assert.Equal(0, spin.GetInt32());
        Assert.True(properties.TryGetProperty("System.GC.Server", out var serverGc) && serverGc.GetBoolean(), "The API's runtimeconfig does not ask for server GC.");
    }

    [Fact]
    public void EveryBenchThatHostsTheApi_RunsItWithTheApisRuntimeSettings()
    {
        var root = ApiLayerTests.RepositoryRoot();
        var hosts = Directory.GetFiles(Path.Combine(root, "bench"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(p => (Path: p, Project: XDocument.Load(p)))
            .Where(p => Elements(p.Project, "ProjectReference").Any(r => PathEndsWith(r, "Include", "src/Aiprod.Api/Aiprod.Api.csproj")))
            .ToList();

        Assert.NotEmpty(hosts);
        foreach (var (path, project) in hosts)
        {
            var name = Path.GetRelativePath(root, path);
            var imports = Elements(project, "Import").Where(i => PathEndsWith(i, "Project", $"src/Aiprod.Api/{SettingsFile}")).ToList();
            Assert.True(imports.Count > 0, $"{name} hosts the API without importing src/Aiprod.Api/{SettingsFile}.");

            // An import that a condition can switch off, or a project that sets the same things again, undoes it.
            Assert.True(imports.TrueForAll(i => i.AncestorsAndSelf().All(e => e.Attribute("Condition") is null)), $"{name} imports {SettingsFile} under a condition.");
            NoRuntimeSettingIn(path, root);
        }

        // What the benches' shared build files set wins over the import as well.
        foreach (var shared in (string[])["Directory.Build.props", "Directory.Build.targets"])
        {
            var path = Path.Combine(root, "bench", shared);
            if (File.Exists(path))
            {
                NoRuntimeSettingIn(path, root);
            }
        }
    }

    private static void NoRuntimeSettingIn(string path, string root)
    {
        var text = File.ReadAllText(path);
        foreach (var setting in (string[])["ServerGarbageCollection", "ConcurrentGarbageCollection", "UnfairSemaphoreSpinLimit", "RuntimeHostConfigurationOption"])
        {
            Assert.False(text.Contains(setting, StringComparison.Ordinal), $"{Path.GetRelativePath(root, path)} sets {setting} itself: the API's runtime settings belong in {SettingsFile} alone.");
        }
    }

    // Namespace-blind: an old-style project names its elements in the MSBuild namespace.
    private static IEnumerable<XElement> Elements(XDocument project, string localName) =>
        project.Descendants().Where(e => e.Name.LocalName == localName);

    private static bool PathEndsWith(XElement element, string attribute, string suffix) =>
        ((string?)element.Attribute(attribute))?.Replace('\\', '/').EndsWith(suffix, StringComparison.Ordinal) == true;
}
