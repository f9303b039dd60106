using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Aiprod.Architecture.Tests;

/// <summary>The compose file cannot run here (no Docker engine), so what matters in it is read and checked.</summary>
public sealed partial class DeploymentTests
{
    private const string ApiDockerfile = "src/Aiprod.Api/Dockerfile";

    [Theory]
    [InlineData("Jwt__SigningKeyPem")]
    [InlineData("Csrf__SigningKey")]
    public void EveryApiInstanceInCompose_SignsWithOneRequiredConfiguredKey(string setting)
    {
        var services = (YamlMappingNode)Compose().Children[new YamlScalarNode("services")];
        var keys = new List<string>();
        foreach (var (name, node) in services.Children)
        {
            var service = (YamlMappingNode)node;
            if (!service.Children.TryGetValue(new YamlScalarNode("build"), out var build)
                || build is not YamlMappingNode b || b.Children[new YamlScalarNode("dockerfile")].ToString() != ApiDockerfile)
            {
                continue;
            }

            var key = Environment(service).GetValueOrDefault(setting);
            Assert.True(key is not null, $"Service {name} builds the API but sets no {setting}: it would generate a key of its own.");
            Assert.Matches(RequiredVariable(), key);
            var auditKey = Environment(service).GetValueOrDefault("Audit__SigningKeyPem");
            Assert.True(auditKey is not null, $"Service {name} builds the API but sets no Audit__SigningKeyPem: it would not start outside Development.");
            Assert.Matches(RequiredVariable(), auditKey);
            var webhookKey = Environment(service).GetValueOrDefault("Webhooks__SecretKey");
            Assert.True(webhookKey is not null, $"Service {name} builds the API but sets no Webhooks__SecretKey: it would not start outside Development.");
            Assert.Matches(RequiredVariable(), webhookKey);
            keys.Add(RequiredVariable().Match(key).Groups["name"].Value);
        }

        Assert.NotEmpty(keys);
        Assert.Single(keys.Distinct());
    }

    /// <summary><c>${NAME:?message}</c>: compose refuses to start when NAME is unset or empty.</summary>
    [GeneratedRegex(@"^\$\{(?<name>[A-Z_][A-Z0-9_]*):\?[^}]+\}$")]
    private static partial Regex RequiredVariable();

    private static Dictionary<string, string> Environment(YamlMappingNode service)
    {
        if (!service.Children.TryGetValue(new YamlScalarNode("environment"), out var environment))
        {
            return [];
        }

        return environment switch
        {
            YamlMappingNode map => map.Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString(), StringComparer.Ordinal),
            YamlSequenceNode list => list.Children.Select(e => e.ToString().Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty, StringComparer.Ordinal),
            _ => [],
        };
    }

    private static YamlMappingNode Compose()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "docker-compose.yml")))
        {
            folder = folder.Parent;
        }

        Assert.NotNull(folder);
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(folder.FullName, "docker-compose.yml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }
}
