using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// What every operation gets without anyone writing it per route: an <c>operationId</c> of <c>{Tag}_{Action}</c> (the
/// controller's name, then <see cref="OperationNameAttribute"/> or the method's name), a description (the remarks, else
/// the summary), and the problem answers the pipeline gives any request with a body (413 over the size limit, 415 for
/// another media type).
/// </summary>
internal sealed class OperationConventionsFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var tag = context.ApiDescription.ActionDescriptor.RouteValues["controller"];
        var name = context.MethodInfo.GetCustomAttribute<OperationNameAttribute>()?.Name ?? context.MethodInfo.Name;

        // One action serves GET and HEAD of a download: the HEAD operation needs an id of its own.
        if (HttpMethods.IsHead(context.ApiDescription.HttpMethod ?? string.Empty))
        {
            name += "Head";
        }

        operation.OperationId = $"{tag}_{name}";
        if (string.IsNullOrWhiteSpace(operation.Description))
        {
            operation.Description = operation.Summary;
        }

        if (operation.RequestBody is not null)
        {
            AddProblem(operation, context, StatusCodes.Status413PayloadTooLarge, "The body is larger than `Api:MaxRequestBodyBytes` (`body_too_large`).");
            AddProblem(operation, context, StatusCodes.Status415UnsupportedMediaType, "The body is not of a media type this operation reads.");
        }
    }

    /// <summary>A problem answer, unless the action declares that status itself.</summary>
    public static void AddProblem(OpenApiOperation operation, OperationFilterContext context, int status, string description)
    {
        // Swashbuckle fills Responses from the action before any operation filter runs; this is only called from those.
        var responses = operation.Responses!;
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (responses.TryGetValue(key, out var existing))
        {
            if (existing is OpenApiResponse response && (response.Content is null || response.Content.Count == 0))
            {
                response.Content = ProblemContent(context);
            }

            return;
        }

        responses[key] = new OpenApiResponse { Description = description, Content = ProblemContent(context) };
    }

    private static Dictionary<string, IOpenApiMediaType> ProblemContent(OperationFilterContext context) => new(StringComparer.Ordinal)
    {
        ["application/problem+json"] = new OpenApiMediaType
        {
            Schema = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository),
        },
    };
}
