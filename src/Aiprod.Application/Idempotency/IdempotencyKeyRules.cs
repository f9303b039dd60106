using Aiprod.Domain.Idempotency;
using FluentValidation;

namespace Aiprod.Application.Idempotency;

public static class IdempotencyKeyRules
{
    /// <summary>The <c>Idempotency-Key</c> header, when sent: the rule <c>POST /exports</c> applies too.</summary>
    /// <remarks>
    /// A comma is refused on its own: HTTP joins repeated header lines into one comma-separated list, and ASP.NET
    /// binds two keys as "k1,k2", which would otherwise pass as a key of its own and match neither.
    /// </remarks>
    public static IRuleBuilderOptions<T, string?> MustBeIdempotencyKey<T>(this IRuleBuilderInitial<T, string?> rule) =>
        rule.Cascade(CascadeMode.Stop)
            .Must(k => k is null || !k.Contains(',', StringComparison.Ordinal))
            .WithName("Idempotency-Key")
            .WithMessage("Send one Idempotency-Key header holding one key: the header was repeated or holds a comma-separated list.")
            .Must(k => k is null || (k.Length is >= 1 and <= IdempotencyRecord.KeyMaxLength && k.All(ch => ch is >= '!' and <= '~')))
            .WithName("Idempotency-Key")
            .WithMessage($"The Idempotency-Key header is 1 to {IdempotencyRecord.KeyMaxLength} visible ASCII characters, without a comma (a UUID is a good key).");
}
