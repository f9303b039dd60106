using Aiprod.Domain.Common;

namespace Aiprod.Application.Sessions;

public static class RefreshErrors
{
    /// <summary>Unknown, expired or revoked: one answer, so a guess learns nothing.</summary>
    public static readonly Error InvalidRefreshToken = Error.Unauthorized("invalid_refresh_token", "The refresh token is unknown, expired or revoked; log in again.");

    public static readonly Error TokenReused = Error.Unauthorized("refresh_token_reused", "This refresh token was already used. The session has been ended for safety; log in again.");

    public static readonly Error NotFound = Error.NotFound("refresh_token_not_found", "No refresh token of yours matches.");

    public static readonly Error SessionNotFound = Error.NotFound("session_not_found", "No session of yours has this id.");
}
