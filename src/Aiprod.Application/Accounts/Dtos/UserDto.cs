using Aiprod.Domain.Users;

namespace Aiprod.Application.Accounts.Dtos;

/// <summary>An account as the API shows it: never the password hash or lockout counters.</summary>
/// <param name="Id">The user id.</param>
/// <param name="Email">The normalised email address.</param>
/// <param name="DisplayName">The name shown to others.</param>
/// <param name="Role">`user` or `admin`.</param>
/// <param name="CreatedAt">When the account was registered (UTC).</param>
/// <param name="LastLoginAt">The last successful login (UTC), if any.</param>
public sealed record UserDto(UserId Id, string Email, string DisplayName, UserRole Role, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt);
