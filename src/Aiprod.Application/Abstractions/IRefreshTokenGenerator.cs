namespace Aiprod.Application.Abstractions;

/// <param name="Token">The opaque token, shown once to the client.</param>
/// <param name="Hash">What is stored: lower-case hex SHA-256 of the token.</param>
public sealed record NewRefreshToken(string Token, string Hash)
{
    /// <summary>A short, non-reversible label for logs and audit events.</summary>
    public string HashPrefix => Hash[..8];
}

public interface IRefreshTokenGenerator
{
    /// <summary>256 bits from a CSPRNG, base64url.</summary>
    NewRefreshToken Generate();

    string Hash(string token);
}
