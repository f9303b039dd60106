using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;

namespace Aiprod.Api.Authentication;

/// <summary>
/// The authorization policy of an endpoint that a user's token or a key holding one scope may call: <c>scope:</c>
/// and the scope's name. Endpoints ask for it with <see cref="RequireScopeAttribute"/>; nothing else spells the prefix.
/// </summary>
public static class ScopePolicies
{
    private const string Prefix = "scope:";

    public static string For(ApiKeyScope scope) => Prefix + EnumNames.Of(scope);

    public static bool IsScopePolicy(string policy) => policy.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The scope a policy name asks for, or null for any other policy.</summary>
    public static ApiKeyScope? ScopeOf(string policy) =>
        IsScopePolicy(policy) && EnumNames.TryParse<ApiKeyScope>(policy[Prefix.Length..], out var scope) ? scope : null;
}
