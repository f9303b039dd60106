using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.Swagger;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Functional.Tests.OpenApi;

/// <summary>The served OpenAPI document is built once per process, not per request.</summary>
public sealed class DocumentCacheTests
{
    /// <summary>
    /// Many clients ask a fresh host for the document at once, then one more asks: every answer is the same document,
    /// and it was built once (a document filter counts the builds; without the cache each request builds it).
    /// Repeated on several hosts, since the race is between the first requests.
    /// </summary>
    [Fact]
    public async Task ConcurrentAndLaterRequests_GetTheSameDocument_BuiltOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var round = 0; round < 3; round++)
        {
            var builds = new CountingFilter();
            await using var host = OpenApiRepository.PublishedConfigurationHost(
                replaceServices: s => s.ConfigureSwaggerGen(o => o.AddDocumentFilterInstance(builds)));
            var client = host.CreateClient();

            var first = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.GetStringAsync("/swagger/v1/swagger.json", ct)));
            var later = await client.GetStringAsync("/swagger/v1/swagger.json", ct);

            Assert.All(first, body => Assert.Equal(later, body));
            Assert.Equal(1, builds.Count);
        }
    }

    [Fact]
    public async Task TheProvider_ReturnsTheSameInstance_AndDoesNotKeepAnUnknownDocument()
    {
        var ct = TestContext.Current.CancellationToken;
        var builds = new CountingFilter();
        await using var host = OpenApiRepository.PublishedConfigurationHost(
            replaceServices: s => s.ConfigureSwaggerGen(o => o.AddDocumentFilterInstance(builds)));
        var client = host.CreateClient();

        // A name no document has is a 404 each time it is asked, and does not stop the real one being built.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/swagger/v2/swagger.json", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/swagger/v2/swagger.json", ct)).StatusCode);
        var served = await client.GetStringAsync("/swagger/v1/swagger.json", ct);

        using var scope = host.Services.CreateScope();
        var provider = scope.ServiceProvider.GetRequiredService<IAsyncSwaggerProvider>();
        var document = await provider.GetSwaggerAsync("v1");
        Assert.Same(document, await scope.ServiceProvider.GetRequiredService<IAsyncSwaggerProvider>().GetSwaggerAsync("v1"));
        Assert.Same(document, scope.ServiceProvider.GetRequiredService<ISwaggerProvider>().GetSwagger("v1"));
        Assert.Equal(1, builds.Count);
        Assert.False(string.IsNullOrEmpty(served));
    }

    private sealed class CountingFilter : IDocumentFilter
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context) => Interlocked.Increment(ref count);
    }
}
