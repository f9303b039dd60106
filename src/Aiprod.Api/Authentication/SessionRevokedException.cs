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
}
