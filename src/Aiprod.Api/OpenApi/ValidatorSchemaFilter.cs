using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// States in a request body's schema what the validators of its message (<see cref="ValidatedAsAttribute"/>) enforce,
/// read from the validators registered in DI, so a rule added to a validator reaches the document with nothing else
/// changed: <c>required</c> (an unconditional NotNull/NotEmpty), lengths, a list's NotEmpty, bounds, patterns, and
/// the email format. A rule under a <c>When</c> is stated as it applies when the field is given; a rule the schema
/// cannot express (<c>Must</c>, a comparison with another field) stays in the validator's message only. The data
/// annotations MVC checks on a record's parameters are stated too: <c>[Required]</c>, and a list's
/// <c>[MinLength]</c>/<c>[MaxLength]</c> as its item count.
/// </summary>
internal sealed class ValidatorSchemaFilter(IServiceScopeFactory scopes, IOptions<Microsoft.AspNetCore.Mvc.JsonOptions> json) : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema target || target.Properties is null)
        {
            return;
        }

        // Data annotations on a record's parameters are MVC's own checks of the bound body: a [Required] field left out,
        // the item count of a list ([MinLength]/[MaxLength]).
        foreach (var parameter in context.Type.GetConstructors().SelectMany(c => c.GetParameters()))
        {
            if (parameter.Name is not { } name || !target.Properties.TryGetValue(WireName(name), out var propertySchema))
            {
                continue;
            }

            if (parameter.GetCustomAttribute<System.ComponentModel.DataAnnotations.RequiredAttribute>() is not null)
            {
                target.Required ??= new HashSet<string>(StringComparer.Ordinal);
                target.Required.Add(WireName(name));
            }

            if (propertySchema is OpenApiSchema { Type: { } type } list && type.HasFlag(JsonSchemaType.Array))
            {
                list.MinItems = parameter.GetCustomAttribute<System.ComponentModel.DataAnnotations.MinLengthAttribute>()?.Length ?? list.MinItems;
                list.MaxItems = parameter.GetCustomAttribute<System.ComponentModel.DataAnnotations.MaxLengthAttribute>()?.Length ?? list.MaxItems;
            }
        }

        if (context.Type.GetCustomAttribute<ValidatedAsAttribute>() is not { } validatedAs)
        {
            return;
        }

        using var scope = scopes.CreateScope();
        var descriptors = scope.ServiceProvider.GetServices(typeof(IValidator<>).MakeGenericType(validatedAs.Message))
            .Cast<IValidator>().Select(v => v.CreateDescriptor()).ToList();
        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var wireName = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? WireName(property.Name);
            if (!target.Properties.TryGetValue(wireName, out var propertySchema))
            {
                continue;
            }

            foreach (var descriptor in descriptors)
            {
                foreach (var rule in descriptor.GetRulesForMember(property.Name))
                {
                    foreach (var component in rule.Components)
                    {
                        var conditional = component.HasCondition || component.HasAsyncCondition;
                        Describe(target, wireName, propertySchema, component.Validator, conditional);
                    }
                }
            }
        }
    }

    private static void Describe(OpenApiSchema owner, string name, IOpenApiSchema property, IPropertyValidator validator, bool conditional)
    {
        // A property whose schema is a reference ($ref to an enum or object) cannot carry keywords of its own.
        var schema = property as OpenApiSchema;
        var isString = schema?.Type?.HasFlag(JsonSchemaType.String) == true;
        var isArray = schema?.Type?.HasFlag(JsonSchemaType.Array) == true;
        switch (validator)
        {
            case INotNullValidator or INotEmptyValidator when !conditional:
                owner.Required ??= new HashSet<string>(StringComparer.Ordinal);
                owner.Required.Add(name);
                if (validator is INotEmptyValidator && schema is not null)
                {
                    if (isString)
                    {
                        schema.MinLength = Math.Max(schema.MinLength ?? 0, 1);
                    }
                    else if (isArray)
                    {
                        schema.MinItems = Math.Max(schema.MinItems ?? 0, 1);
                    }
                }

                break;
            // FluentValidation's length rules apply to strings only: a list's count is a data annotation (above).
            case ILengthValidator length when schema is not null:
                schema.MinLength = length.Min > 0 ? Math.Max(schema.MinLength ?? 0, length.Min) : schema.MinLength;
                schema.MaxLength = length.Max > 0 ? length.Max : schema.MaxLength;
                break;
            case IBetweenValidator between when schema is not null:
                var exclusive = validator.Name.StartsWith("Exclusive", StringComparison.Ordinal);
                SetBound(schema, between.From, lower: true, exclusive);
                SetBound(schema, between.To, lower: false, exclusive);
                break;
            case IComparisonValidator { ValueToCompare: not null } comparison when schema is not null:
                switch (comparison.Comparison)
                {
                    case Comparison.GreaterThan: SetBound(schema, comparison.ValueToCompare, lower: true, exclusive: true); break;
                    case Comparison.GreaterThanOrEqual: SetBound(schema, comparison.ValueToCompare, lower: true, exclusive: false); break;
                    case Comparison.LessThan: SetBound(schema, comparison.ValueToCompare, lower: false, exclusive: true); break;
                    case Comparison.LessThanOrEqual: SetBound(schema, comparison.ValueToCompare, lower: false, exclusive: false); break;
                }

                break;
            case IRegularExpressionValidator regex when schema is not null:
                schema.Pattern = regex.Expression;
                break;
            case IEmailValidator when schema is not null:
                schema.Format = "email";
                break;
        }
    }

    private static void SetBound(OpenApiSchema schema, object value, bool lower, bool exclusive)
    {
        var text = Convert.ToString(value, CultureInfo.InvariantCulture);
        switch (lower, exclusive)
        {
            case (true, false): schema.Minimum = text; break;
            case (true, true): schema.ExclusiveMinimum = text; break;
            case (false, false): schema.Maximum = text; break;
            case (false, true): schema.ExclusiveMaximum = text; break;
        }
    }

    private string WireName(string clrName) => json.Value.JsonSerializerOptions.PropertyNamingPolicy?.ConvertName(clrName) ?? clrName;
}
