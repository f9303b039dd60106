namespace Aiprod.Application.Abstractions;

/// <summary>Checks a presented API key: format, checksum, hash, then a cached look-up.</summary>
public interface IApiKeyAuthenticator
{
    /// <param name="presented">The key as the client sent it.</param>
    /// <param name="cancellationToken">Aborts the look-up.</param>
    /// <param name="recordUsage">False for a re-check of a key already in use (a WebSocket kept open), which is not a new use.</param>
    /// <param name="clientAddress">
    /// The caller's address, whose unknown keys are counted: past <see cref="ApiKeys.ApiKeyFailureLimitOptions.PerAddress"/>
    /// in a window, a hash not in the cache is refused without a look-up. Null for re-checks, which are not limited.
    /// </param>
    ValueTask<ApiKeyAuthentication> AuthenticateAsync(string presented, CancellationToken cancellationToken, bool recordUsage = true, string? clientAddress = null);
}
