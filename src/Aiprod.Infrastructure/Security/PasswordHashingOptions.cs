namespace Aiprod.Infrastructure.Security;

/// <summary>Configuration section <c>Auth:Passwords</c>.</summary>
public sealed class PasswordHashingOptions
{
    public const string SectionName = "Auth:Passwords";

    /// <summary>OWASP's Password Storage Cheat Sheet (2023) for PBKDF2-HMAC-SHA512.</summary>
    public const int RecommendedIterations = 210_000;

    /// <summary>Identity's own default since .NET 7; fewer is refused at start.</summary>
    public const int MinimumIterations = 100_000;

    public int Iterations { get; set; } = RecommendedIterations;
}
