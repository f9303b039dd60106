using System.Net.Mail;

namespace Aiprod.Domain.Users;

/// <summary>An email address in its normalised form (trimmed, lower case), so uniqueness does not depend on how it was typed.</summary>
public sealed record Email
{
    public const int MaxLength = 254;

    private Email(string value) => Value = value;

    public string Value { get; }

    public static bool TryCreate(string? raw, out Email email)
    {
        email = null!;
        if (string.IsNullOrWhiteSpace(raw))
        {
            return false;
        }

        var normalised = raw.Trim().ToLowerInvariant();
        if (normalised.Length > MaxLength || !MailAddress.TryCreate(normalised, out var parsed) || parsed.Address != normalised)
        {
            return false;
        }

        email = new Email(normalised);
        return true;
    }

    /// <summary>Rehydrates an address already normalised and stored; never use on user input.</summary>
    public static Email FromTrusted(string normalised) => new(normalised);

    public override string ToString() => Value;
}
