using Aiprod.Domain.ApiKeys;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>A stored key and whether its owner is disabled, read together.</summary>
public sealed record StoredApiKey(ApiKey Key, bool OwnerDisabled);
