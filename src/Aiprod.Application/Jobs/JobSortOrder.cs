using Aiprod.Domain.Common;

namespace Aiprod.Application.Jobs;

/// <summary>The order of a job listing: a field, ascending, or descending with a leading <c>-</c>.</summary>
public enum JobSortOrder
{
    [WireName("-created_at")]
    CreatedAtDescending,

    [WireName("created_at")]
    CreatedAtAscending,

    [WireName("priority")]
    PriorityAscending,

    [WireName("-priority")]
    PriorityDescending,

    [WireName("updated_at")]
    UpdatedAtAscending,

    [WireName("-updated_at")]
    UpdatedAtDescending,
}
