using System.Text.Json;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Aiprod.Api.Http;

/// <summary>
/// Binds enums in query strings and routes by their JSON names (<c>quick_social</c>), as bodies do, and
/// refuses numbers and unknown names with a message that lists the accepted values.
/// </summary>
internal sealed class SnakeCaseEnumModelBinder(Type enumType) : IModelBinder
{
    public Task BindModelAsync(ModelBindingContext bindingContext)
    {
        var value = bindingContext.ValueProvider.GetValue(bindingContext.ModelName).FirstValue;
        if (string.IsNullOrEmpty(value))
        {
            return Task.CompletedTask;
        }

        foreach (var name in Enum.GetNames(enumType))
        {
            if (string.Equals(JsonNamingPolicy.SnakeCaseLower.ConvertName(name), value, StringComparison.Ordinal))
            {
                bindingContext.Result = ModelBindingResult.Success(Enum.Parse(enumType, name));
                return Task.CompletedTask;
            }
        }

        var accepted = string.Join(", ", Enum.GetNames(enumType).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName));
        bindingContext.ModelState.TryAddModelError(bindingContext.ModelName, $"'{value}' is not one of: {accepted}.");
        return Task.CompletedTask;
    }
}

internal sealed class SnakeCaseEnumModelBinderProvider : IModelBinderProvider
{
    public IModelBinder? GetBinder(ModelBinderProviderContext context)
    {
        var type = Nullable.GetUnderlyingType(context.Metadata.ModelType) ?? context.Metadata.ModelType;
        var source = context.BindingInfo.BindingSource;
        return type.IsEnum && (source == BindingSource.Query || source == BindingSource.Path)
            ? new SnakeCaseEnumModelBinder(type)
            : null;
    }
}
