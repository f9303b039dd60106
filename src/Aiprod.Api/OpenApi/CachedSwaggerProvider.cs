using System.Collections.Concurrent;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.Swagger;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// Swashbuckle registers its generator as transient, so every GET of <c>/swagger/v1/swagger.json</c> walked every
/// action, schema and filter again (a scope and the validators per request body). Nothing the document is built from
/// changes while the process runs (routes, contracts, validators and options are fixed at start), so each document is
/// built once, by the first request for it (racing first requests wait for that one build), and served from then on.
/// A failed build (<see cref="UnknownSwaggerDocument"/> for a name no document has) is not kept: only documents that
/// exist fill the cache, whatever names clients ask for. Every request serialises the same instance, so nothing may
/// change a document after it is built: the host registers no <c>PreSerializeFilters</c>.
/// </summary>
internal sealed class CachedSwaggerProvider(IServiceProvider services) : ISwaggerProvider, IAsyncSwaggerProvider
{
    // The path base is part of the key and can come from a request (X-Forwarded-Prefix, were it ever honoured): past
    // this many variants a document is built for its request and not kept, so the cache cannot grow without bound.
    private const int MaxDocuments = 16;

    private readonly ConcurrentDictionary<(string Name, string? Host, string? BasePath), Lazy<Task<OpenApiDocument>>> documents = new();

    public OpenApiDocument GetSwagger(string documentName, string? host = null, string? basePath = null) =>
        GetAsync((documentName, host, basePath), generator => Task.FromResult(generator.GetSwagger(documentName, host, basePath))).GetAwaiter().GetResult();

    public Task<OpenApiDocument> GetSwaggerAsync(string documentName, string? host = null, string? basePath = null) =>
        GetAsync((documentName, host, basePath), generator => generator.GetSwaggerAsync(documentName, host, basePath));

    private async Task<OpenApiDocument> GetAsync((string, string?, string?) key, Func<SwaggerGenerator, Task<OpenApiDocument>> build)
    {
        if (!documents.TryGetValue(key, out var entry))
        {
            if (documents.Count >= MaxDocuments)
            {
                return await build(services.GetRequiredService<SwaggerGenerator>()).ConfigureAwait(false);
            }

            entry = documents.GetOrAdd(key, _ => new Lazy<Task<OpenApiDocument>>(() => build(services.GetRequiredService<SwaggerGenerator>())));
        }

        try
        {
            return await entry.Value.ConfigureAwait(false);
        }
        catch
        {
            documents.TryRemove(KeyValuePair.Create(key, entry));
            throw;
        }
    }
}
