using Aiprod.Domain.Common;

namespace Aiprod.Domain.Jobs;

/// <summary>How much a worker's log line matters.</summary>
public enum JobLogLevel
{
    [WireName("debug")]
    Debug,

    [WireName("info")]
    Info,

    [WireName("warning")]
    Warning,

    [WireName("error")]
    Error,
}
