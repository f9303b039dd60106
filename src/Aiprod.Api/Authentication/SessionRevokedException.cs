using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Api.Authentication;

/// <summary>The token is genuine, but its session was ended.</summary>
internal sealed class SessionRevokedException : SecurityTokenValidationException
{
    public SessionRevokedException()
        : base("The session of this access token was revoked.")
    {
    }

    public SessionRevokedException(string message)
        : base(message)
    {
    }

    public SessionRevokedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The token's subject: the token passed full validation, so this is a user id we issued it to.</summary>
    public string? Subject { get; init; }

    public string? Session { get; init; }
}
