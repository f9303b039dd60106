using Aiprod.Application.Common;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Aiprod.Api.Http;

/// <summary>
/// Binds enums in query strings and routes by their names as JSON writes them (<c>quick_social</c>, <c>-created_at</c>;
/// <see cref="EnumNames"/>), and refuses numbers and unknown names with a message that lists the accepted values.
/// </summary>
internal sealed class EnumNameModelBinder(Type enumType) : IModelBinder
{
    public Task BindModelAsync(ModelBindingContext bindingContext)
    {
        var value = bindingContext.ValueProvider.GetValue(bindingContext.ModelName).FirstValue;
        if (string.IsNullOrEmpty(value))
        {
            return Task.CompletedTask;
        }

        if (EnumNames.TryParse(enumType, value, out var parsed))
        {
            bindingContext.Result = ModelBindingResult.Success(parsed);
            return Task.CompletedTask;
        }

        bindingContext.ModelState.TryAddModelError(bindingContext.ModelName, UnknownNameException.MessageFor(enumType, value));
        return Task.CompletedTask;
    }
}

internal sealed class EnumNameModelBinderProvider : IModelBinderProvider
{
    public IModelBinder? GetBinder(ModelBinderProviderContext context)
    {
        var type = Nullable.GetUnderlyingType(context.Metadata.ModelType) ?? context.Metadata.ModelType;
        var source = context.BindingInfo.BindingSource;
        return type.IsEnum && (source == BindingSource.Query || source == BindingSource.Path)
            ? new EnumNameModelBinder(type)
            : null;
    }
}
