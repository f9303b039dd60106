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

    /// <summary>How often the socket's credential is checked again (key revoked, session ended).</summary>
    public TimeSpan CredentialCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Events queued for a slow client before it is disconnected (it resumes with <c>last_event_id</c>).</summary>
    public int SendQueueCapacity { get; set; } = 10_000;
}
