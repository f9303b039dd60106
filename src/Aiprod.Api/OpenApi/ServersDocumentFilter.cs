using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// Where clients find the API (<c>OpenApi:Servers</c>). Unconfigured, the first entry is <c>/</c>, the host that serves
/// the document, so Swagger UI calls the API it came from wherever it runs (CSP allows only that origin); the second is
/// the embedded default, for a client generated from the checked-in file. A generated client's default base address is
/// the first entry; a consumer sets theirs.
/// </summary>
public sealed class OpenApiServerOptions
{
    public const string Section = "OpenApi";

    /// <summary>The embedded default, <c>dotnet run --project src/Aiprod.Api</c>.</summary>
    public const string EmbeddedDefault = "http://localhost:5080";

    public List<OpenApiServerEntry> Servers { get; init; } = [];
}

/// <summary>One entry of <c>OpenApi:Servers</c>.</summary>
public sealed class OpenApiServerEntry
{
    public string Url { get; set; } = string.Empty;

    public string? Description { get; set; }
}

internal sealed class ServersDocumentFilter(Microsoft.Extensions.Options.IOptions<OpenApiServerOptions> options) : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var configured = options.Value.Servers.Where(s => !string.IsNullOrWhiteSpace(s.Url)).ToList();
        swaggerDoc.Servers = configured.Count > 0
            ? configured.Select(s => new OpenApiServer { Url = s.Url, Description = s.Description }).ToList()
            :
            [
                new OpenApiServer { Url = "/", Description = "The host that serves this document." },
                new OpenApiServer { Url = OpenApiServerOptions.EmbeddedDefault, Description = "The embedded default (`dotnet run --project src/Aiprod.Api`)." },
            ];
    }
}
