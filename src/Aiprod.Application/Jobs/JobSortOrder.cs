using Aiprod.Domain.Common;

namespace Aiprod.Application.Jobs;

/// <summary>The order of a job listing: a field, ascending, or descending with a leading <c>-</c>.</summary>
public enum JobSortOrder
{
    /// <summary>Newest first (the default).</summary>
    [WireName("-created_at")]
    CreatedAtDescending,

    /// <summary>Oldest first.</summary>
    [WireName("created_at")]
    CreatedAtAscending,

    /// <summary>Lowest priority first.</summary>
    [WireName("priority")]
    PriorityAscending,

    /// <summary>Highest priority first.</summary>
    [WireName("-priority")]
    PriorityDescending,

    /// <summary>Least recently changed first.</summary>
    [WireName("updated_at")]
    UpdatedAtAscending,

    /// <summary>Most recently changed first.</summary>
    [WireName("-updated_at")]
    UpdatedAtDescending,
}
