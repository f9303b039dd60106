using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Users;

namespace Aiprod.Api.Contracts;

/// <summary>The key that authenticated this request.</summary>
/// <param name="KeyId">Its id.</param>
/// <param name="OwnerId">The user it acts for.</param>
/// <param name="Scopes">What it may do.</param>
public sealed record CurrentApiKeyResponse(ApiKeyId KeyId, UserId OwnerId, IReadOnlyList<string> Scopes);
