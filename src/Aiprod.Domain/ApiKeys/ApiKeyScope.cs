using Aiprod.Domain.Common;

namespace Aiprod.Domain.ApiKeys;

/// <summary>
/// Something a key may do. A user's access token may do all of it; a key only what it was given. Declared in the
/// ordinal order of the names, the order in which a key lists its scopes.
/// </summary>
public enum ApiKeyScope
{
    [WireName("exports:read")]
    ExportsRead,

    [WireName("jobs:read")]
    JobsRead,

    [WireName("jobs:write")]
    JobsWrite,

    [WireName("pipeline:worker")]
    PipelineWorker,
}
