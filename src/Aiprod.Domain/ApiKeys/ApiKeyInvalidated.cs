using Aiprod.Domain.Common;

namespace Aiprod.Domain.ApiKeys;

/// <summary>A key was revoked or rotated; every instance's cached look-up of it is stale from the commit on.</summary>
public sealed record ApiKeyInvalidated(string KeyHash) : IDomainEvent;
