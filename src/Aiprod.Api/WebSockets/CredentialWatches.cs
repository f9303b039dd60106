using Aiprod.Application.Abstractions;
using Aiprod.Domain.Sessions;

namespace Aiprod.Api.WebSockets;

/// <summary>An access token holds until its <c>exp</c> and while its session is not revoked.</summary>
internal sealed class AccessTokenWatch(DateTimeOffset expiresAt, SessionId? sessionId, ISessionRevocations revocations, TimeProvider clock) : ICredentialWatch
{
    public ValueTask<bool> StillValidAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(clock.GetUtcNow() < expiresAt && (sessionId is not { } sid || !revocations.IsRevoked(sid)));
}

/// <summary>A key holds while it authenticates: not revoked, not expired, not rotated past its grace. A cached check.</summary>
internal sealed class ApiKeyWatch(string presentedKey, IApiKeyAuthenticator authenticator) : ICredentialWatch
{
    public async ValueTask<bool> StillValidAsync(CancellationToken cancellationToken) =>
        (await authenticator.AuthenticateAsync(presentedKey, cancellationToken, recordUsage: false)).Succeeded;
}
