using Aiprod.Api.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Aiprod.Api.Middleware;

/// <summary>
/// Refuses a body larger than <c>Api:MaxRequestBodyBytes</c> with 413 before anything reads it. Kestrel enforces the
/// same limit on chunked bodies as they stream (that surfaces as a 413 through the exception handler).
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, long maxBytes)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            await context.WriteProblemAsync(StatusCodes.Status413PayloadTooLarge, "body_too_large", "The request body is too large.",
                $"Request bodies are limited to {maxBytes} bytes.");
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = maxBytes;
        }

        await next(context);
    }
}
