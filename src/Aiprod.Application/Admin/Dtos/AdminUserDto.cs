using Aiprod.Domain.Users;

namespace Aiprod.Application.Admin.Dtos;

/// <summary>An account as an admin lists it.</summary>
/// <param name="UserId">Its id.</param>
/// <param name="Email">Its address, normalised.</param>
/// <param name="DisplayName">Its display name.</param>
/// <param name="Role">`user` or `admin`.</param>
/// <param name="Status">`active`, `disabled` or `locked` (locked out now by failed logins).</param>
/// <param name="CreatedAt">When it registered.</param>
/// <param name="LastLoginAt">Its last successful login.</param>
/// <param name="DisabledAt">When an admin disabled it.</param>
/// <param name="LockoutEndsAt">The end of its current or last lockout.</param>
/// <param name="FailedLoginCount">Wrong passwords counted toward the next lockout.</param>
public sealed record AdminUserDto(
    UserId UserId,
    string Email,
    string DisplayName,
    UserRole Role,
    AdminUserStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastLoginAt,
    DateTimeOffset? DisabledAt,
    DateTimeOffset? LockoutEndsAt,
    int FailedLoginCount);
