namespace Aiprod.Infrastructure.Sessions;

/// <summary>Configuration section <c>Auth:Revocations</c>.</summary>
public sealed class SessionRevocationOptions
{
    /// <summary>How often recent revocations are reloaded from the database (the backstop behind Redis pub/sub).</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(30);
}
