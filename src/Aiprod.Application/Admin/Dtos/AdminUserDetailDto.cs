using Aiprod.Application.Sessions.Dtos;

namespace Aiprod.Application.Admin.Dtos;

/// <summary>One account with what it holds: live sessions, keys and jobs.</summary>
/// <param name="Account">The account, its last login and lockout state.</param>
/// <param name="SessionCount">Its live sessions.</param>
/// <param name="Sessions">Those sessions, most recently used first.</param>
/// <param name="ApiKeys">Its keys by status.</param>
/// <param name="Jobs">Its jobs by status.</param>
public sealed record AdminUserDetailDto(AdminUserDto Account, int SessionCount, IReadOnlyList<SessionDto> Sessions, ApiKeyCountsDto ApiKeys, JobCountsDto Jobs);
