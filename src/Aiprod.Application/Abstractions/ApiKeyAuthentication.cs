using Aiprod.Domain.ApiKeys;

namespace Aiprod.Application.Abstractions;

/// <summary>The outcome of presenting a key: the key (when it is let in) or why it is refused.</summary>
public sealed record ApiKeyAuthentication(ApiKey? Key, ApiKeyRefusal? Refusal, string? HashPrefix)
{
    public bool Succeeded => Key is not null;
}
