namespace Aiprod.Domain.ApiKeys;

/// <summary>Rules about sets of <see cref="ApiKeyScope"/>s.</summary>
public static class ApiKeyScopes
{
    public static IReadOnlyList<ApiKeyScope> All { get; } = Enum.GetValues<ApiKeyScope>();

    /// <summary>What a key gets when its creator names no scopes: a client's work, not a worker's.</summary>
    public static IReadOnlyList<ApiKeyScope> Default { get; } = [ApiKeyScope.JobsRead, ApiKeyScope.JobsWrite, ApiKeyScope.ExportsRead];

    public static bool IsKnown(ApiKeyScope scope) => Enum.IsDefined(scope);

    /// <summary>
    /// Broad: a worker key that can also act as its owner, or a key holding three or more scopes. A leak of such a
    /// key costs more than it needs to.
    /// </summary>
    public static bool IsBroad(IReadOnlyCollection<ApiKeyScope> scopes) =>
        scopes.Count >= 3 || (scopes.Contains(ApiKeyScope.PipelineWorker) && scopes.Count > 1);
}
