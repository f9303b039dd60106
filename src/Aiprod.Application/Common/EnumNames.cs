using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using Aiprod.Domain.Common;

namespace Aiprod.Application.Common;

/// <summary>
/// The one spelling of an enum member outside the process: its <see cref="WireNameAttribute"/>, else its name in
/// snake_case (<c>QuickSocial</c> → <c>quick_social</c>, as the API's JSON writes it). JSON, query strings, stored rows
/// and claims all go through here, so a closed set is parsed once, where it comes in, and spelled one way.
/// </summary>
public static class EnumNames
{
    private static readonly ConcurrentDictionary<Type, Names> ByType = new();

    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => Of(typeof(TEnum), value);

    public static string Of(Type enumType, object value) =>
        For(enumType).NameOf.TryGetValue(value, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a member of {enumType.Name}.");

    public static bool TryParse<TEnum>(string? name, out TEnum value)
        where TEnum : struct, Enum
    {
        var found = TryParse(typeof(TEnum), name, out var parsed);
        value = found ? (TEnum)parsed! : default;
        return found;
    }

    /// <summary>A member by its exact name (ordinal, no trimming, no numbers): anything else is not in the set.</summary>
    public static bool TryParse(Type enumType, string? name, [NotNullWhen(true)] out object? value)
    {
        value = null;
        return name is not null && For(enumType).ValueOf.TryGetValue(name, out value);
    }

    public static TEnum Parse<TEnum>(string name)
        where TEnum : struct, Enum =>
        TryParse<TEnum>(name, out var value) ? value : throw new FormatException($"'{name}' is not one of: {string.Join(", ", All<TEnum>())}.");

    /// <summary>Every name, in declaration order.</summary>
    public static IReadOnlyList<string> All<TEnum>()
        where TEnum : struct, Enum => All(typeof(TEnum));

    public static IReadOnlyList<string> All(Type enumType) => For(enumType).InOrder;

    /// <summary>
    /// A closed set whose every member declares its <see cref="WireNameAttribute"/>: read by those names only. Other
    /// enums keep the framework's reading (which also takes their member names in any case).
    /// </summary>
    public static bool DeclaresWireNames(Type enumType) => For(enumType).Declared;

    private static Names For(Type enumType) => ByType.GetOrAdd(enumType, static type =>
    {
        if (!type.IsEnum)
        {
            throw new ArgumentException($"{type.Name} is not an enum.", nameof(enumType));
        }

        var members = type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (Value: f.GetValue(null)!, Declared: f.GetCustomAttribute<WireNameAttribute>()?.Name, f.Name))
            .ToList();
        var names = members.Select(m => (m.Value, Name: m.Declared ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(m.Name))).ToList();
        return new Names(
            names.ToDictionary(n => n.Value, n => n.Name),
            names.ToDictionary(n => n.Name, n => n.Value, StringComparer.Ordinal),
            names.Select(n => n.Name).ToList(),
            members.Count > 0 && members.All(m => m.Declared is not null));
    });

    private sealed record Names(Dictionary<object, string> NameOf, Dictionary<string, object> ValueOf, IReadOnlyList<string> InOrder, bool Declared);
}
