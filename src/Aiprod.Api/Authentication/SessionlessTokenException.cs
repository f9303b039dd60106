using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Api.Authentication;

/// <summary>The token passed validation but names no session (<c>sid</c>): not one this API issues.</summary>
internal sealed class SessionlessTokenException : SecurityTokenValidationException
{
    public SessionlessTokenException()
        : base("The access token belongs to no session.")
    {
    }

    public SessionlessTokenException(string message)
        : base(message)
    {
    }

    public SessionlessTokenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The token's subject, verified like the rest of the token.</summary>
    public string? Subject { get; init; }
}
