namespace Aiprod.Application.Admin.Dtos;

/// <summary>A page of every user's jobs.</summary>
/// <param name="Items">The jobs of this page.</param>
/// <param name="Total">How many jobs match the filters.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Offset">Jobs skipped.</param>
public sealed record AdminJobPageDto(IReadOnlyList<AdminJobDto> Items, int Total, int Limit, int Offset);
