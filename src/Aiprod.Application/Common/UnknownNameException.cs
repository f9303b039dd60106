using System.Text.Json;

namespace Aiprod.Application.Common;

/// <summary>
/// A value that is not a member of the closed set its field takes. Its message names the accepted values and is
/// safe to send: the 400 passes it on, where other parser messages are replaced (they name CLR types).
/// </summary>
public sealed class UnknownNameException : JsonException
{
    private const int ShownLength = 40;

    public UnknownNameException()
    {
    }

    public UnknownNameException(string message)
        : base(message)
    {
    }

    public UnknownNameException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What is wrong with <paramref name="given"/> (null when the value is not text at all).</summary>
    public static string MessageFor(Type enumType, string? given)
    {
        var accepted = string.Join(", ", EnumNames.All(enumType));
        return given is null
            ? $"Expected one of: {accepted}."
            : $"'{(given.Length <= ShownLength ? given : given[..ShownLength] + "…")}' is not one of: {accepted}.";
    }
}
