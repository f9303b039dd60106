using Aiprod.Domain.Common;

namespace Aiprod.Domain.ApiKeys;

/// <summary>
/// Something a key may do. A user's access token may do all of it; a key only what it was given. Declared in the
/// ordinal order of the names, the order in which a key lists its scopes.
/// </summary>
public enum ApiKeyScope
{
    /// <summary>Read and download the owner's exports.</summary>
    [WireName("exports:read")]
    ExportsRead,

    /// <summary>Read and list the owner's jobs.</summary>
    [WireName("jobs:read")]
    JobsRead,

    /// <summary>Submit and cancel the owner's jobs.</summary>
    [WireName("jobs:write")]
    JobsWrite,

    /// <summary>A GPU worker: claim queued jobs and report their progress, logs and result.</summary>
    [WireName("pipeline:worker")]
    PipelineWorker,
}
