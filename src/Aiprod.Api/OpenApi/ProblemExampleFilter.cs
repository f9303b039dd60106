using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aiprod.Api.Controllers;
using Aiprod.Api.Csrf;
using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.Common;
using Aiprod.Domain.Common;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// Names, for each problem answer of an operation, the problems it can be, as <c>examples</c> of its
/// <c>application/problem+json</c> keyed by their code: the action's <see cref="AnswersAttribute"/>s, and the problems
/// the pipeline answers on every route (400 <c>validation_failed</c>, 401, 403, 413, 415, 429, 500), the CSRF refusals
/// of a route marked <see cref="CsrfGuardedAttribute"/>, and 409 <c>concurrent_update</c> where the action sends a
/// message that retries on a conflict and then gives it up (<see cref="ConstructedTypes"/>). Each body is
/// made by the API's own <see cref="ProblemDetailsFactory"/> (the customisation every answer gets included) and
/// written with its JSON options; only <c>trace_id</c> is fixed, so the document stays the same from run to run.
/// </summary>
internal sealed class ProblemExampleFilter(IServiceProvider services, IOptions<JsonOptions> json) : IOperationFilter
{
    public const string ExampleTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var instance = "/" + context.ApiDescription.RelativePath;
        foreach (var answer in context.MethodInfo.GetCustomAttributes<AnswersAttribute>())
        {
            var (status, code, title, detail) = answer.Definition switch
            {
                Error error => (ApiControllerBase.StatusOf(error), error.Code, (string?)null, error.Message),
                PipelineProblem problem => (problem.Status, problem.Code, problem.Title, problem.Detail),
                var other => throw new InvalidOperationException($"{other} is not a problem definition."),
            };
            OperationConventionsFilter.AddProblem(operation, context, status, $"`{code}`: {detail}");
            AddExample(operation, status, code, Body(instance, status, title, ProblemTypes.For(code), detail));
        }

        if (context.MethodInfo.GetCustomAttribute<CsrfGuardedAttribute>() is { } guarded)
        {
            foreach (var refusal in PipelineProblems.CsrfRefusals(guarded.Checks))
            {
                AddStated(refusal, "A cookie-authenticated request failed a CSRF check; the problem type says which.");
            }
        }

        if (ConstructedTypes.By(context.MethodInfo).Any(EndsInConflict))
        {
            AddStated(PipelineProblems.ConcurrentUpdate, "Other writers changed what this request changes more often than it is retried (`concurrent_update`): nothing was written; ask again.");
        }

        var validation = PipelineProblems.ValidationFailed;
        AddExample(operation, validation.Status, validation.Code, ValidationBody(instance, validation));
        if (operation.Security is { Count: > 0 })
        {
            AddPipelineExample(PipelineProblems.Unauthenticated);
        }

        // The framework's own refusals: the body is what the factory makes of the bare status.
        AddExample(operation, StatusCodes.Status403Forbidden, "forbidden", Body(instance, StatusCodes.Status403Forbidden, null, null, null));
        AddExample(operation, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", Body(instance, StatusCodes.Status415UnsupportedMediaType, null, null, null));
        AddPipelineExample(PipelineProblems.BodyTooLarge(Middleware.RequestBodyLimitMiddleware.MaxBytes(services.GetRequiredService<IConfiguration>())));
        AddPipelineExample(PipelineProblems.RateLimited(60));
        AddPipelineExample(PipelineProblems.InternalError);

        void AddPipelineExample(PipelineProblem problem) =>
            AddExample(operation, problem.Status, problem.Code, Body(instance, problem.Status, problem.Title, ProblemTypes.For(problem.Code), problem.Detail));

        void AddStated(PipelineProblem problem, string description)
        {
            OperationConventionsFilter.AddProblem(operation, context, problem.Status, description);
            AddPipelineExample(problem);
        }
    }

    /// <summary>
    /// A message that <c>ConflictRetryBehaviour</c> runs again on a lost race and, once its runs are spent, lets the
    /// conflict through as 409 <c>concurrent_update</c>; one with <see cref="IRetryOnConflict{TResponse}"/> answers
    /// something else instead.
    /// </summary>
    private static bool EndsInConflict(Type message) =>
        typeof(IRetryOnConflict).IsAssignableFrom(message)
        && !message.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRetryOnConflict<>));

    /// <summary>Files an example under a problem answer the operation already states; an answer it does not give gets none.</summary>
    private static void AddExample(OpenApiOperation operation, int status, string code, JsonNode body)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses is null || !operation.Responses.TryGetValue(key, out var response)
            || response is not OpenApiResponse { Content: { } content }
            || !content.TryGetValue("application/problem+json", out var found) || found is not OpenApiMediaType media)
        {
            return;
        }

        media.Examples ??= new Dictionary<string, IOpenApiExample>(StringComparer.Ordinal);
        media.Examples.TryAdd(code, new OpenApiExample { Summary = code, Value = body });
    }

    private JsonNode Body(string instance, int status, string? title, string? type, string? detail)
    {
        var http = Context(instance);
        var problem = http.RequestServices.GetRequiredService<ProblemDetailsFactory>().CreateProblemDetails(http, status, title, type, detail);
        return Serialise(problem);
    }

    private JsonNode ValidationBody(string instance, PipelineProblem validation)
    {
        var http = Context(instance);
        var problem = http.RequestServices.GetRequiredService<ProblemDetailsFactory>().CreateValidationProblemDetails(
            http, new ModelStateDictionary(), validation.Status, validation.Title, ProblemTypes.For(validation.Code), validation.Detail);
        problem.Errors["field"] = ["The field is required."];
        return Serialise(problem);
    }

    private DefaultHttpContext Context(string instance)
    {
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Path = instance;
        return http;
    }

    private JsonNode Serialise(ProblemDetails problem)
    {
        problem.Extensions[ProblemDetailsSetup.TraceIdKey] = ExampleTraceId;
        return JsonSerializer.SerializeToNode(problem, problem.GetType(), json.Value.JsonSerializerOptions)!;
    }
}
