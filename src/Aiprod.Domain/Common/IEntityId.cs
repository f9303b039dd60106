using System.Diagnostics.CodeAnalysis;

namespace Aiprod.Domain.Common;

/// <summary>
/// What every typed id shares: a GUID that only its own kind of entity accepts, so a job id cannot be passed where
/// a key id is expected. An id is a small record struct (<c>JobId(Guid Value)</c>) that adds only how a new one
/// is made and its text; parsing lives here once. The text, the JSON and the column are the bare GUID, as before.
/// </summary>
/// <typeparam name="TSelf">The id type itself.</typeparam>
public interface IEntityId<TSelf> : IParsable<TSelf>
    where TSelf : struct, IEntityId<TSelf>
{
    Guid Value { get; init; }

    static TSelf From(Guid value) => new() { Value = value };

    // Public and not virtual on purpose: MVC binds a route value to any type that has, or whose interface has, a
    // public static TryParse(string, IFormatProvider, out T); IParsable's own member is abstract and does not count.
    static new bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out TSelf result)
    {
        var parsed = Guid.TryParse(s, provider, out var value);
        result = From(value);
        return parsed;
    }

    static new TSelf Parse(string s, IFormatProvider? provider) => From(Guid.Parse(s, provider));

    static TSelf IParsable<TSelf>.Parse(string s, IFormatProvider? provider) => Parse(s, provider);

    static bool IParsable<TSelf>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out TSelf result) =>
        TryParse(s, provider, out result);
}
