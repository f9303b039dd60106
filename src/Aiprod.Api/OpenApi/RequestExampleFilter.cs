using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// Puts the example of each request body into the document: a JSON body's from its record
/// (<see cref="IRequestExample{TSelf}"/>), written by the API's JSON options; a form body's from
/// <see cref="FormExampleAttribute"/>.
/// </summary>
internal sealed class RequestExampleFilter(IOptions<Microsoft.AspNetCore.Mvc.JsonOptions> json) : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.RequestBody?.Content is not { Count: > 0 } content)
        {
            return;
        }

        JsonNode? example = null;
        var body = context.ApiDescription.ParameterDescriptions.FirstOrDefault(p => p.Source == BindingSource.Body)?.Type;
        if (body is not null && ExampleOf(body) is { } value)
        {
            example = JsonSerializer.SerializeToNode(value, body, json.Value.JsonSerializerOptions);
        }
        else if (context.MethodInfo.GetCustomAttribute<FormExampleAttribute>() is { } form)
        {
            var fields = new JsonObject();
            foreach (var (name, text) in form.Fields)
            {
                fields[name] = text;
            }

            example = fields;
        }

        if (example is null)
        {
            return;
        }

        foreach (var media in content.Values.OfType<OpenApiMediaType>())
        {
            media.Example = example.DeepClone();
        }
    }

    private static object? ExampleOf(Type type) =>
        type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequestExample<>))
            ? type.GetProperty(nameof(IRequestExample<>.Example), BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
            : null;
}
