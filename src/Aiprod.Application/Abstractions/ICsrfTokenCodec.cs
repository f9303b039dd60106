using Aiprod.Domain.Sessions;

namespace Aiprod.Application.Abstractions;

/// <summary>What a presented CSRF token said, once its signature held.</summary>
public readonly record struct CsrfTokenContent(SessionId SessionId, long Generation, DateTimeOffset IssuedAt);

public enum CsrfTokenReadStatus
{
    Valid,

    /// <summary>Not base64url, the wrong length, or an unknown version.</summary>
    Malformed,

    /// <summary>Well formed, but its MAC is not ours (altered, or made with another key).</summary>
    BadSignature,
}

/// <summary>Signs and reads the session-bound CSRF tokens of browser mode, with the key every instance shares.</summary>
public interface ICsrfTokenCodec
{
    string Issue(SessionId sessionId, long generation, DateTimeOffset issuedAt);

    CsrfTokenReadStatus Read(string? presented, out CsrfTokenContent content);
}
