using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Aiprod.Application.Common;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// Says what each value of an enum means, from the XML <c>&lt;summary&gt;</c> of its member: as a list in the schema's
/// description (what Swagger UI shows) and as <c>x-enumDescriptions</c>, wire name to meaning (what Redoc shows beside
/// each value). The enum's own summary opens the description.
/// </summary>
internal sealed class EnumDescriptionSchemaFilter : ISchemaFilter
{
    private readonly Lazy<IReadOnlyDictionary<string, string>> summaries = new(ReadSummaries);

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        var type = Nullable.GetUnderlyingType(context.Type) ?? context.Type;
        if (schema is not OpenApiSchema target || !type.IsEnum || target.Enum is not { Count: > 0 })
        {
            return;
        }

        var meanings = new JsonObject();
        var list = new StringBuilder();
        foreach (var member in type.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var wire = EnumNames.Of(type, member.GetValue(null)!);
            if (!summaries.Value.TryGetValue($"F:{type.FullName}.{member.Name}", out var meaning))
            {
                continue;
            }

            meanings[wire] = meaning;
            list.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n- `{wire}`: {meaning}");
        }

        if (meanings.Count == 0)
        {
            return;
        }

        var opening = summaries.Value.TryGetValue($"T:{type.FullName}", out var summary) ? summary + "\n" : string.Empty;
        target.Description = opening + list.ToString().TrimStart('\n');
        target.Extensions ??= new Dictionary<string, IOpenApiExtension>(StringComparer.Ordinal);
        target.Extensions["x-enumDescriptions"] = new JsonNodeExtension(meanings);
    }

    /// <summary>The summaries of every documented member of the assemblies the API's contracts come from.</summary>
    private static Dictionary<string, string> ReadSummaries()
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var assembly in new[] { typeof(Program).Assembly, typeof(Application.DependencyInjection).Assembly, typeof(Domain.Common.Error).Assembly })
        {
            var path = Path.Combine(AppContext.BaseDirectory, assembly.GetName().Name + ".xml");
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (var member in XDocument.Load(path).Descendants("member"))
            {
                if (member.Attribute("name")?.Value is { } name && member.Element("summary") is { } summary)
                {
                    found[name] = OneLine(summary);
                }
            }
        }

        return found;
    }

    /// <summary>The summary's text on one line, <c>&lt;c&gt;</c> as code and a <c>&lt;see cref&gt;</c> as its name.</summary>
    private static string OneLine(XElement summary)
    {
        var text = new StringBuilder();
        foreach (var node in summary.Nodes())
        {
            text.Append(node switch
            {
                XText t => t.Value,
                XElement { Name.LocalName: "c" } c => $"`{c.Value}`",
                XElement e when e.Attribute("cref")?.Value is { } cref => cref[(cref.LastIndexOf('.') + 1)..],
                XElement e => e.Value,
                _ => string.Empty,
            });
        }

        return string.Join(' ', text.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}
