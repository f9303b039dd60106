using System.Text.Json;
using System.Text.Json.Serialization;
using Aiprod.Domain.Common;

namespace Aiprod.Application.Common;

/// <summary>
/// Writes every typed id as its bare GUID and reads it back the way a <see cref="Guid"/> is read, so typed ids change
/// nothing on the wire: HTTP bodies, socket messages, Redis messages and audit details carry the same text as before.
/// Without it a typed id would be written as an object (<c>{"value": "…"}</c>).
/// </summary>
public sealed class EntityIdJsonConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => EntityIds.IsEntityId(typeToConvert);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(IdConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class IdConverter<TId> : JsonConverter<TId>
        where TId : struct, IEntityId<TId>
    {
        public override TId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            IEntityId<TId>.From(reader.GetGuid());

        public override void Write(Utf8JsonWriter writer, TId value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Value);
    }
}
