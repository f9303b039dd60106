using Aiprod.Domain.Common;

namespace Aiprod.Domain.Sessions;

public static class SessionErrors
{
    public static readonly Error SessionEnded = Error.Unauthorized("session_ended", "The session has ended (revoked or past its lifetime); log in again.");
}
