namespace Aiprod.Application.Admin.Dtos;

/// <summary>A page of accounts, oldest first; <see cref="NextAfter"/> fetches the next page, null on the last.</summary>
/// <param name="Items">The accounts of this page.</param>
/// <param name="NextAfter">Pass as `after` for the next page.</param>
public sealed record AdminUserPageDto(IReadOnlyList<AdminUserDto> Items, string? NextAfter);
