using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// Puts the example of each success answer into the document: the <see cref="ResponseExamples"/> property of the
/// answer's type (a list's items take their type's), written by the API's JSON options.
/// </summary>
internal sealed class ResponseExampleFilter(IOptions<Microsoft.AspNetCore.Mvc.JsonOptions> json) : IOperationFilter
{
    private static readonly Dictionary<Type, PropertyInfo> ByType = typeof(ResponseExamples)
        .GetProperties(BindingFlags.Public | BindingFlags.Static)
        .ToDictionary(p => p.PropertyType);

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var answer in context.ApiDescription.SupportedResponseTypes)
        {
            if (answer.StatusCode is < 200 or > 299 || answer.Type is null
                || operation.Responses?.GetValueOrDefault(answer.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)) is not OpenApiResponse { Content: { } content }
                || ExampleOf(answer.Type) is not { } example)
            {
                continue;
            }

            foreach (var media in content.Values.OfType<OpenApiMediaType>())
            {
                media.Example = example.DeepClone();
            }
        }
    }

    private JsonNode? ExampleOf(Type type)
    {
        if (ByType.TryGetValue(type, out var property))
        {
            return JsonSerializer.SerializeToNode(property.GetValue(null), type, json.Value.JsonSerializerOptions);
        }

        var item = type.IsArray ? type.GetElementType()
            : type.IsGenericType && type.GetGenericArguments() is [var only] && typeof(IEnumerable<>).MakeGenericType(only).IsAssignableFrom(type) ? only
            : null;
        return item is not null && ExampleOf(item) is { } one ? new JsonArray(one) : null;
    }
}
