using Aiprod.Domain.Idempotency;
using FluentValidation;

namespace Aiprod.Application.Idempotency;

public static class IdempotencyKeyRules
{
    /// <summary>The <c>Idempotency-Key</c> header, when sent: the rule <c>POST /exports</c> applies too.</summary>
    public static IRuleBuilderOptions<T, string?> MustBeIdempotencyKey<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(k => k is null || (k.Length is >= 1 and <= IdempotencyRecord.KeyMaxLength && k.All(ch => ch is >= '!' and <= '~')))
            .WithName("Idempotency-Key")
            .WithMessage($"The Idempotency-Key header is 1 to {IdempotencyRecord.KeyMaxLength} visible ASCII characters (a UUID is a good key).");
}
