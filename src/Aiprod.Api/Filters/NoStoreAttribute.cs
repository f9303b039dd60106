using Microsoft.AspNetCore.Mvc.Filters;

namespace Aiprod.Api.Filters;

/// <summary>
/// <c>Cache-Control: no-store</c> on every answer of the action: answers that carry a secret (tokens, a new key)
/// must not be kept by any cache (RFC 6749 §5.1), and their errors gain nothing from being cached either.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class NoStoreAttribute : ResultFilterAttribute
{
    public override void OnResultExecuting(ResultExecutingContext context)
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        base.OnResultExecuting(context);
    }
}
