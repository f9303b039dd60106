namespace Aiprod.Api.WebSockets;

/// <summary>Whether the credential that opened a socket still holds (token not expired, session or key not revoked).</summary>
public interface ICredentialWatch
{
    ValueTask<bool> StillValidAsync(CancellationToken cancellationToken);
}
