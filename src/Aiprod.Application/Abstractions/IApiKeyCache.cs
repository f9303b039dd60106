namespace Aiprod.Application.Abstractions;

/// <summary>Forgets cached look-ups of keys that changed, on this instance at once and on the others through Redis.</summary>
public interface IApiKeyCache
{
    Task InvalidateAsync(IReadOnlyCollection<string> keyHashes, CancellationToken cancellationToken);
}
