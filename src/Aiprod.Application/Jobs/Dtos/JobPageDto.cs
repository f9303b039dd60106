namespace Aiprod.Application.Jobs.Dtos;

/// <summary>A page of jobs.</summary>
/// <param name="Items">The jobs of this page.</param>
/// <param name="Total">How many jobs match the filters.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Offset">Jobs skipped.</param>
public sealed record JobPageDto(IReadOnlyList<JobSummaryDto> Items, int Total, int Limit, int Offset);
