using System.Text.Json.Nodes;
using Aiprod.Api.Setup;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.OpenApi;

/// <summary>Where the checked-in document and its tools live, and a host whose document is the published one.</summary>
internal static class OpenApiRepository
{
    public static string Root { get; } = FindRoot();

    public static string DocumentPath => Path.Combine(Root, "openapi", "v1.json");

    public static string ToolsFolder => Path.Combine(Root, "tools", "openapi");

    public static JsonNode CheckedInDocument() => JsonNode.Parse(File.ReadAllText(DocumentPath))!;

    /// <summary>
    /// A host on the configuration a deployment starts from: the functional tests' raised rate limits would change the
    /// limits each operation's description states.
    /// </summary>
    public static AiprodApiFactory PublishedConfigurationHost(IReadOnlyDictionary<string, string?>? overrides = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? replaceServices = null)
    {
        var settings = RateLimitPolicies.Defaults.ToDictionary(p => $"RateLimits:Policies:{p.Key}", p => (string?)p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new AiprodApiFactory(settings, replaceServices: replaceServices);
    }

    public static async Task<JsonNode> ServedDocumentAsync(AiprodApiFactory host) =>
        JsonNode.Parse(await host.CreateClient().GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken))!;

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Aiprod.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Aiprod.sln) is not above the test's folder.");
    }
}
