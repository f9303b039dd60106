using Aiprod.Domain.Common;

namespace Aiprod.Domain.Jobs;

/// <summary>How much a worker's log line matters.</summary>
public enum JobLogLevel
{
    /// <summary>Detail for whoever debugs the worker.</summary>
    [WireName("debug")]
    Debug,

    /// <summary>A step of the work.</summary>
    [WireName("info")]
    Info,

    /// <summary>Something went wrong that the worker worked around.</summary>
    [WireName("warning")]
    Warning,

    /// <summary>Something went wrong that the worker could not work around.</summary>
    [WireName("error")]
    Error,
}
