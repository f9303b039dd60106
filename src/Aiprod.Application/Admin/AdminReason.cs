using FluentValidation;

namespace Aiprod.Application.Admin;

/// <summary>The reason every admin change must give: it is written into the change's audit event.</summary>
public static class AdminReason
{
    /// <summary>The longest reason: what an API key's revocation reason column holds.</summary>
    public const int MaxLength = Domain.ApiKeys.ApiKey.ReasonMaxLength;

    public static IRuleBuilderOptions<T, string?> MustBeAnAdminReason<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(r => !string.IsNullOrWhiteSpace(r)).WithMessage("A reason is required: say why, for the audit log.")
            .Must(r => r is null || r.Trim().Length <= MaxLength).WithMessage($"The reason must be at most {MaxLength} characters long.")
            .OverridePropertyName("reason");

    /// <summary>The reason as the audit stores it.</summary>
    public static string Clean(string reason) => reason.Trim();
}
