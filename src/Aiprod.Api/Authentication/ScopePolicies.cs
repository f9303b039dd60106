using Aiprod.Domain.ApiKeys;

namespace Aiprod.Api.Authentication;

/// <summary>
/// The authorization policy of an endpoint that a user's token or a key holding one scope may call. The names are
/// constants so attributes can use them: <c>[Authorize(Policy = ScopePolicies.JobsRead)]</c>.
/// </summary>
public static class ScopePolicies
{
    private const string Prefix = "scope:";

    public const string JobsRead = Prefix + ApiKeyScopes.JobsRead;
    public const string JobsWrite = Prefix + ApiKeyScopes.JobsWrite;

    public static string For(string scope) => Prefix + scope;

    public static bool IsScopePolicy(string policy) => policy.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The scope a policy name asks for, or null for any other policy.</summary>
    public static string? ScopeOf(string policy) => IsScopePolicy(policy) ? policy[Prefix.Length..] : null;
}
