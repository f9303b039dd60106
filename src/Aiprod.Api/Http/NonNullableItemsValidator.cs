using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Mvc.ModelBinding.Validation;

namespace Aiprod.Api.Http;

/// <summary>
/// Refuses <c>null</c> inside a list whose items are declared non-nullable (<c>IReadOnlyList&lt;LogLine&gt;</c>,
/// <c>IReadOnlyList&lt;string&gt;</c>). MVC's implicit required check covers properties, not the items of a
/// collection, so <c>{"lines": [null]}</c> used to reach the action and fail there with a 500.
/// </summary>
internal sealed class NonNullableItemsValidatorProvider : IModelValidatorProvider
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Checked = new();

    public void CreateValidators(ModelValidatorProviderContext context)
    {
        var properties = Checked.GetOrAdd(context.ModelMetadata.ModelType, ListsOfNonNullableItems);
        if (properties.Length > 0)
        {
            context.Results.Add(new ValidatorItem { Validator = new NonNullableItemsValidator(properties), IsReusable = true });
        }
    }

    /// <summary>Our contract types' properties that are lists of reference items annotated as never null.</summary>
    private static PropertyInfo[] ListsOfNonNullableItems(Type type)
    {
        if (!type.IsClass || type == typeof(string) || type.Namespace?.StartsWith("Aiprod.", StringComparison.Ordinal) != true)
        {
            return [];
        }

        var nullability = new NullabilityInfoContext();
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(p.PropertyType))
            .Where(p =>
            {
                var info = nullability.Create(p);
                var item = info.ElementType ?? (info.GenericTypeArguments.Length == 1 ? info.GenericTypeArguments[0] : null);
                return item is { ReadState: NullabilityState.NotNull } && !item.Type.IsValueType;
            })
            .ToArray();
    }
}

internal sealed class NonNullableItemsValidator(PropertyInfo[] properties) : IModelValidator
{
    public IEnumerable<ModelValidationResult> Validate(ModelValidationContext context)
    {
        if (context.Model is null)
        {
            yield break;
        }

        foreach (var property in properties)
        {
            if (property.GetValue(context.Model) is not IEnumerable items)
            {
                continue;
            }

            var index = 0;
            foreach (var item in items)
            {
                if (item is null)
                {
                    yield return new ModelValidationResult($"{property.Name}[{index}]", "An item of this list is null; every item must have a value.");
                }

                index++;
            }
        }
    }
}
