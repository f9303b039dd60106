using System.Net.Mail;
using System.Text;

namespace Aiprod.Domain.Users;

/// <summary>
/// An email address in its normalised form (trimmed, lower case, Unicode NFC), so uniqueness does not depend on how
/// it was typed: "josé" with a precomposed é and with e + a combining accent is one address, one account.
/// </summary>
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

        // NFC after lower-casing, so the stored form is composed whatever the casing did to combining sequences.
        // IsNormalized/Normalize throw on ill-formed UTF-16 (a lone surrogate): such input is no address.
        var lowered = raw.Trim().ToLowerInvariant();
        if (!IsWellFormed(lowered))
        {
            return false;
        }

        var normalised = lowered.Normalize(NormalizationForm.FormC);
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

    private static bool IsWellFormed(string text)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out var used) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }
}
