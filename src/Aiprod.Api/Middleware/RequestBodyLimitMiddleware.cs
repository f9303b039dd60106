using Aiprod.Api.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Aiprod.Api.Middleware;

/// <summary>
/// Refuses a body larger than <c>Api:MaxRequestBodyBytes</c> with 413 before anything reads it. Kestrel enforces the
/// same limit on chunked bodies as they stream (that surfaces as a 413 through the exception handler).
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, long maxBytes)
{
    /// <summary><c>Api:MaxRequestBodyBytes</c>, 1 MiB unless configured.</summary>
    public static long MaxBytes(IConfiguration configuration) => configuration.GetValue("Api:MaxRequestBodyBytes", 1L * 1024 * 1024);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            await context.WriteProblemAsync(PipelineProblems.BodyTooLarge(maxBytes));
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = maxBytes;
        }

        await next(context);
    }
}
