using Aiprod.Domain.Common;

namespace Aiprod.Api.WebSockets;

/// <summary>The refusals of a socket's handshake (<c>/ws/job/{job_id}</c>, <c>/ws/export/{export_id}</c>) before the upgrade.</summary>
public static class SocketErrors
{
    public static readonly Error WebSocketRequired = Error.Validation("websocket_required", "Open this URL with a WebSocket client (ws:// or wss://).");

    public static Error OriginNotAllowed(string origin) =>
        Error.Forbidden("origin_not_allowed", $"The origin {origin} may not open sockets (WebSockets:AllowedOrigins).");

    /// <summary>
    /// The instance's cap: 503 with <c>Retry-After</c>. Counted before the upgrade rather than by Kestrel's
    /// MaxConcurrentUpgradedConnections, which refuses only inside the upgrade, with an exception (a 500).
    /// </summary>
    public static readonly Error ServerBusy = Error.Unavailable(
        "server_busy", "This server holds the most sockets it allows (WebSockets:MaxConnections); try again later.");

    /// <summary>
    /// The caller's cap on this instance: 409, not 429, since waiting does not help and closing one of the caller's
    /// sockets does; and 429 stays the handshake rate limit's, so a client can tell the two apart.
    /// </summary>
    public static Error SocketLimitReached(int cap) => Error.Conflict(
        "socket_limit_reached", $"You already have {cap} sockets open on this server, the most allowed (WebSockets:MaxSocketsPerUser). Close one first.");
}
