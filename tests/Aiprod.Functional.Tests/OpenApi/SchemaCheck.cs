using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aiprod.Functional.Tests.OpenApi;

/// <summary>
/// Checks a JSON value against a schema of the document, in the OpenAPI 3.0 subset the document uses (<c>$ref</c>,
/// <c>type</c>, <c>nullable</c>, <c>enum</c>, <c>format</c> uuid/date-time/int32/int64, <c>properties</c>,
/// <c>required</c>, <c>additionalProperties</c>, <c>items</c>, item counts, lengths, bounds, <c>pattern</c>). A keyword
/// outside the subset fails the check, so the subset cannot fall behind the document silently.
/// </summary>
internal static class SchemaCheck
{
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "$ref", "type", "nullable", "enum", "format", "properties", "required", "additionalProperties", "items", "minItems",
        "maxItems", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern",
        "description", "x-enumDescriptions", "example", "readOnly",
    };

    public static IEnumerable<string> Problems(JsonNode document, JsonNode schema, JsonNode? value, string at)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            var target = document;
            foreach (var part in reference.TrimStart('#', '/').Split('/'))
            {
                target = target[part]!;
            }

            foreach (var problem in Problems(document, target, value, at))
            {
                yield return problem;
            }

            yield break;
        }

        foreach (var (keyword, _) in schema.AsObject())
        {
            if (!Known.Contains(keyword))
            {
                yield return $"{at}: the check does not know the keyword {keyword}";
            }
        }

        if (value is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true && schema["type"] is not null)
            {
                yield return $"{at}: null, but the schema is not nullable";
            }

            yield break;
        }

        var kind = value.GetValueKind();
        var type = schema["type"]?.GetValue<string>();
        var typeFits = type switch
        {
            null => true,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "integer" => kind == JsonValueKind.Number && value.GetValue<decimal>() % 1 == 0,
            "number" => kind == JsonValueKind.Number,
            "array" => kind == JsonValueKind.Array,
            "object" => kind == JsonValueKind.Object,
            _ => false,
        };
        if (!typeFits)
        {
            yield return $"{at}: {value.ToJsonString()} is not of type {type}";
            yield break;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            yield return $"{at}: {value.ToJsonString()} is not one of {allowed.ToJsonString()}";
        }

        if (kind == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            var format = schema["format"]?.GetValue<string>();
            if ((format == "uuid" && !Guid.TryParseExact(text, "D", out _))
                || (format == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)))
            {
                yield return $"{at}: '{text}' is not a {format}";
            }

            if (schema["minLength"] is { } min && text.Length < min.GetValue<int>() || schema["maxLength"] is { } max && text.Length > max.GetValue<int>())
            {
                yield return $"{at}: '{text}' has a length outside the schema's";
            }

            if (schema["pattern"]?.GetValue<string>() is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                yield return $"{at}: '{text}' does not match {pattern}";
            }
        }

        if (kind == JsonValueKind.Number)
        {
            var number = value.GetValue<decimal>();
            if (schema["format"]?.GetValue<string>() == "int32" && number is < int.MinValue or > int.MaxValue)
            {
                yield return $"{at}: {number} is not an int32";
            }

            if (schema["minimum"] is { } min && number < min.GetValue<decimal>() || schema["maximum"] is { } max && number > max.GetValue<decimal>())
            {
                yield return $"{at}: {number} is outside the schema's bounds";
            }
        }

        if (value is JsonArray array)
        {
            if (schema["minItems"] is { } min && array.Count < min.GetValue<int>() || schema["maxItems"] is { } max && array.Count > max.GetValue<int>())
            {
                yield return $"{at}: {array.Count} items, outside the schema's count";
            }

            for (var i = 0; i < array.Count; i++)
            {
                if (schema["items"] is { } items)
                {
                    foreach (var problem in Problems(document, items, array[i], $"{at}/{i}"))
                    {
                        yield return problem;
                    }
                }
            }
        }

        if (value is JsonObject json)
        {
            foreach (var required in schema["required"]?.AsArray() ?? [])
            {
                if (!json.ContainsKey(required!.GetValue<string>()))
                {
                    yield return $"{at}: the required {required} is missing";
                }
            }

            var properties = schema["properties"]?.AsObject();
            foreach (var (name, member) in json)
            {
                var memberSchema = properties?[name] ?? schema["additionalProperties"] switch
                {
                    JsonObject additional => additional,
                    JsonValue closed when !closed.GetValue<bool>() => null,
                    _ => new JsonObject(),
                };
                if (memberSchema is null)
                {
                    yield return $"{at}: {name} is not a property of the schema";
                    continue;
                }

                foreach (var problem in Problems(document, memberSchema, member, $"{at}/{name}"))
                {
                    yield return problem;
                }
            }
        }
    }
}
