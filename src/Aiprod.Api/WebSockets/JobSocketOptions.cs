namespace Aiprod.Api.WebSockets;

/// <summary>Configuration section <c>WebSockets</c>.</summary>
public sealed class JobSocketOptions
{
    public const string SectionName = "WebSockets";

    /// <summary>
    /// Browser origins allowed to open a socket. A handshake with an <c>Origin</c> header that is not listed is refused
    /// (403): another site's page cannot ride a user's token. Clients that send no <c>Origin</c> (servers, scripts)
    /// are not affected.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a ping may go unanswered before the socket is aborted; unset, twice <see cref="KeepAliveInterval"/>.
    /// A client that vanished without closing (a phone gone out of coverage, a crashed tab behind a NAT) would
    /// otherwise hold its socket, and its user's slot, until TCP gives up, which can take hours.
    /// </summary>
    public TimeSpan? KeepAliveTimeout { get; set; }

    public TimeSpan EffectiveKeepAliveTimeout => KeepAliveTimeout ?? 2 * KeepAliveInterval;

    /// <summary>
    /// Job sockets this instance holds at once, all users together; a handshake beyond it gets 503. The per-user cap
    /// alone lets many accounts together exhaust the instance's memory and file descriptors.
    /// </summary>
    public long MaxConnections { get; set; } = 10_000;

    /// <summary>How often the socket's credential is checked again (key revoked, session ended).</summary>
    public TimeSpan CredentialCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Events queued for a slow client before it is disconnected (it resumes with <c>last_event_id</c>).</summary>
    public int SendQueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// Sockets one user may hold open on this instance at once; the next handshake gets 409. Each socket holds a
    /// subscription, buffers and a place in every fan-out of its job, so one account must not be able to take them all.
    /// </summary>
    public int MaxSocketsPerUser { get; set; } = 100;

    /// <summary>
    /// How long one send may wait for a client that stopped reading (its TCP window full) before the socket is
    /// aborted. Without it the send waits forever: the queue limit is only checked between sends.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often an export socket reads its export again. Exports save their progress every
    /// <c>Exports:WatchInterval</c> from whichever instance runs them, so the socket reads the database rather than
    /// waiting for events that another instance would have to relay.
    /// </summary>
    public TimeSpan ExportPollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
