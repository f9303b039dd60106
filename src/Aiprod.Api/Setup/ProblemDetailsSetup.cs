using System.Diagnostics;
using System.Text.Json;
using Aiprod.Api.ExceptionHandling;
using Aiprod.Api.Http;
using Aiprod.Application.Common;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Aiprod.Api.Setup;

internal static class ProblemDetailsSetup
{
    public const string TraceIdKey = "trace_id";

    public static IServiceCollection AddAiprodProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            // MVC adds "traceId"; our JSON is snake_case throughout.
            ctx.ProblemDetails.Extensions.Remove("traceId");
            ctx.ProblemDetails.Extensions[TraceIdKey] = Activity.Current?.TraceId.ToString() ?? ctx.HttpContext.TraceIdentifier;
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ctx.ProblemDetails.Detail ??= DefaultDetail(ctx.HttpContext, ctx.ProblemDetails.Status);
            // MVC titles only the statuses it maps (not 423, for one); every problem gets its status's name.
            if (string.IsNullOrEmpty(ctx.ProblemDetails.Title) && ctx.ProblemDetails.Status is { } status)
            {
                ctx.ProblemDetails.Title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
            }
        });
        services.AddExceptionHandler<GlobalExceptionHandler>();
        services.Configure<ApiBehaviorOptions>(o => o.InvalidModelStateResponseFactory = ModelStateProblem);
        return services;
    }

    /// <summary>
    /// What the framework's own answers (no route, wrong method, wrong media type, a missing role or scope) leave
    /// unsaid: every problem tells the caller what to change.
    /// </summary>
    private static string? DefaultDetail(HttpContext context, int? status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request could not be read.",
        StatusCodes.Status401Unauthorized => "This endpoint needs credentials.",
        StatusCodes.Status403Forbidden => "The credentials are valid but do not allow this: the endpoint needs another role, or an API key with another scope.",
        StatusCodes.Status404NotFound when context.GetEndpoint() is null =>
            $"Nothing answers {context.Request.Method} at this path. Check the path; ids in paths are GUIDs.",
        StatusCodes.Status404NotFound => "The resource does not exist.",
        StatusCodes.Status405MethodNotAllowed => $"This path does not accept {context.Request.Method}.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType =>
            $"Send the body as {AcceptedMediaTypes(context)}, with a Content-Type header that says so.",
        _ => null,
    };

    private static string AcceptedMediaTypes(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes is { Count: > 0 } types
            ? string.Join(" or ", types)
            : "application/json";

    /// <summary>Model-binding failures (malformed JSON, wrong types, missing fields) as a 400 naming the fields in snake_case.</summary>
    private static BadRequestObjectResult ModelStateProblem(ActionContext context)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (key, entry) in context.ModelState)
        {
            if (entry.Errors.Count == 0)
            {
                continue;
            }

            var field = FieldName(key);
            var messages = entry.Errors
                .Select(e => UnknownName(e.Exception) is { } unknown
                    ? unknown.Message
                    : IsDuplicateProperty(e.Exception)
                    ? $"The {field} property appears more than once; send it once."
                    : e.Exception is not null || string.IsNullOrEmpty(e.ErrorMessage)
                    ? "The value is malformed or of the wrong type."
                    : RewriteRequiredMessage(e.ErrorMessage, field))
                .Distinct()
                .ToArray();
            errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, .. messages] : messages;
        }

        // A body the parser stopped reading is also a missing body to MVC: the field where it stopped says more.
        const string MissingBody = "The body field is required.";
        var parserStopped = context.ModelState.Values.SelectMany(v => v.Errors).Any(e => e.Exception is JsonException || e.Exception?.InnerException is JsonException);
        if (parserStopped && errors.Count > 1 && errors.TryGetValue("body", out var body) && body is [MissingBody])
        {
            errors.Remove("body");
        }

        // The factory applies the same customisation (trace_id, instance) as every other problem we send.
        var factory = context.HttpContext.RequestServices.GetRequiredService<ProblemDetailsFactory>();
        var problem = factory.CreateValidationProblemDetails(
            context.HttpContext,
            new ModelStateDictionary(),
            StatusCodes.Status400BadRequest,
            "The request is invalid.",
            ProblemTypes.For("validation_failed"),
            "See errors for the fields that are missing, malformed or of the wrong type.");
        foreach (var (field, messages) in errors)
        {
            problem.Errors[field] = messages;
        }
        return new BadRequestObjectResult(problem) { ContentTypes = { "application/problem+json" } };
    }

    private static UnknownNameException? UnknownName(Exception? exception) =>
        exception as UnknownNameException ?? exception?.InnerException as UnknownNameException;

    /// <summary>
    /// The reader's refusal of a second value for one property (<c>AllowDuplicateProperties = false</c>). It has no
    /// type of its own; its message is the one the formatter keeps for us (never sent), so it is told apart by the
    /// reader's own words that open it ("Duplicate property 'x' …", "Duplicate properties not allowed …"). Later
    /// the message may quote the client (a property name in its path), which must not decide the answer.
    /// </summary>
    private static bool IsDuplicateProperty(Exception? exception) =>
        (exception as JsonException ?? exception?.InnerException as JsonException)?.Message.StartsWith("Duplicate propert", StringComparison.Ordinal) == true;

    /// <summary>"$.display_name" / "DisplayName" / "request" → "display_name" / "display_name" / "body".</summary>
    public static string FieldName(string key)
    {
        if (string.IsNullOrEmpty(key) || key is "$" or "request")
        {
            return "body";
        }

        var path = key.StartsWith("$.", StringComparison.Ordinal) ? key[2..] : key;
        return string.Join('.', path.Split('.').Select(segment => JsonNamingPolicy.SnakeCaseLower.ConvertName(segment)));
    }

    private static string RewriteRequiredMessage(string message, string field) =>
        message.EndsWith("field is required.", StringComparison.Ordinal) ? $"The {field} field is required." : message;
}
