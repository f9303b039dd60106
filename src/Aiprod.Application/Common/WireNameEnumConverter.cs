using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aiprod.Application.Common;

/// <summary>
/// JSON for the enums that declare their wire names (<see cref="EnumNames.DeclaresWireNames"/>): written and read by
/// exactly those names. Another case, a space, a number or a list of names is refused, naming the accepted values.
/// Registered before the framework's enum converter, which keeps the other enums as they were.
/// </summary>
public sealed class WireNameEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum && EnumNames.DeclaresWireNames(typeToConvert);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(WireNameEnumConverter<>).MakeGenericType(typeToConvert))!;
}

public sealed class WireNameEnumConverter<TEnum> : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var given = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return EnumNames.TryParse<TEnum>(given, out var value)
            ? value
            : throw new UnknownNameException(UnknownNameException.MessageFor(typeof(TEnum), given));
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
        writer.WriteStringValue(EnumNames.Of(value));
}
