namespace Aiprod.Domain.ApiKeys;

/// <summary>What a key may do. A user's access token may do all of it; a key only what it was given.</summary>
public static class ApiKeyScopes
{
    public const string JobsRead = "jobs:read";
    public const string JobsWrite = "jobs:write";
    public const string ExportsRead = "exports:read";
    public const string PipelineWorker = "pipeline:worker";

    public static IReadOnlyList<string> All { get; } = [JobsRead, JobsWrite, ExportsRead, PipelineWorker];

    /// <summary>What a key gets when its creator names no scopes: a client's work, not a worker's.</summary>
    public static IReadOnlyList<string> Default { get; } = [JobsRead, JobsWrite, ExportsRead];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);

    /// <summary>
    /// Broad: a worker key that can also act as its owner, or a key holding three or more scopes. A leak of such a
    /// key costs more than it needs to.
    /// </summary>
    public static bool IsBroad(IReadOnlyCollection<string> scopes) =>
        scopes.Count >= 3 || (scopes.Contains(PipelineWorker) && scopes.Count > 1);
}
