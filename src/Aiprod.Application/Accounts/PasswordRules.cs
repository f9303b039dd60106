using FluentValidation;

namespace Aiprod.Application.Accounts;

/// <summary>The password policy, shared by every command that sets a password.</summary>
public static class PasswordRules
{
    public const int MinLength = 12;

    // Long enough for any passphrase, short enough that hashing cannot be used to burn CPU.
    public const int MaxLength = 256;

    public static IRuleBuilderOptions<T, string> MeetsPasswordPolicy<T>(this IRuleBuilder<T, string> rule, Func<T, string?> email) =>
        rule.NotEmpty().WithMessage("A password is required.")
            .MinimumLength(MinLength).WithMessage($"The password must be at least {MinLength} characters long.")
            .MaximumLength(MaxLength).WithMessage($"The password must be at most {MaxLength} characters long.")
            .Must((message, password) => !ContainsEmail(password, email(message)))
            .WithMessage("The password must not be or contain the email address.");

    private static bool ContainsEmail(string password, string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            return false;
        }

        var trimmed = email.Trim();
        return password.Contains(trimmed, StringComparison.OrdinalIgnoreCase);
    }
}
