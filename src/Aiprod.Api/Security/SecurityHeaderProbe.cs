using Microsoft.AspNetCore.Http.Features;

namespace Aiprod.Api.Security;

/// <summary>
/// Runs the security-headers middleware itself (the library's, with the registered policy and selector) on a
/// synthetic request and captures the headers it puts on the response, so a report shows what that code sends,
/// not a copy of its configuration.
/// </summary>
public sealed class SecurityHeaderProbe
{
    private readonly RequestDelegate pipeline;

    public SecurityHeaderProbe(IServiceProvider services)
    {
        var app = new ApplicationBuilder(services);
        app.UseSecurityHeaders();
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        pipeline = app.Build();
    }

    /// <summary>The headers a response to <paramref name="path"/> gets, asked for like <paramref name="like"/> (scheme and host).</summary>
    public async Task<IReadOnlyDictionary<string, string>> ProbeAsync(HttpRequest like, string path, string contentType)
    {
        var response = new CapturingResponseFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        context.Request.Method = HttpMethods.Get;
        context.Request.Scheme = like.Scheme;
        context.Request.Host = like.Host;
        context.Request.PathBase = like.PathBase;
        context.Request.Path = path;
        context.Response.ContentType = contentType;

        await pipeline(context);
        await response.StartAsync();

        return context.Response.Headers
            .Where(h => !string.Equals(h.Key, "Content-Type", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>A response that runs its OnStarting callbacks when told, as a server does when the body begins.</summary>
    private sealed class CapturingResponseFeature : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> starting = [];

        public override void OnStarting(Func<object, Task> callback, object state) => starting.Add((callback, state));

        public async Task StartAsync()
        {
            // Servers run them last registered first.
            for (var i = starting.Count - 1; i >= 0; i--)
            {
                await starting[i].Callback(starting[i].State);
            }
        }
    }
}
