using Aiprod.Api.Security;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Api.Setup;

/// <summary>The answer of <c>GET /security/policy</c> is one property per registered section: its schema is built from them.</summary>
internal sealed class SecurityPolicySchemaFilter(IEnumerable<SecurityPolicySection> sections) : IOperationFilter
{
    public const string SchemaId = "SecurityPolicyDto";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<SecurityPolicySchemaAttribute>().Any()
            || operation.Responses?.TryGetValue("200", out var ok) != true || ok!.Content is null)
        {
            return;
        }

        if (!context.SchemaRepository.Schemas.ContainsKey(SchemaId))
        {
            var schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "The security configuration in force, one property per section.",
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal),
                Required = new HashSet<string>(StringComparer.Ordinal),
                AdditionalPropertiesAllowed = false,
            };
            foreach (var section in sections)
            {
                schema.Properties[section.Name] = context.SchemaGenerator.GenerateSchema(section.RecordType, context.SchemaRepository);
                schema.Required.Add(section.Name);
            }

            context.SchemaRepository.AddDefinition(SchemaId, schema);
        }

        foreach (var media in ok.Content.Keys.ToList())
        {
            ok.Content[media] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(SchemaId, context.Document) };
        }
    }
}
