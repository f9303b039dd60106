using Aiprod.Domain.Users;

namespace Aiprod.Api.Contracts;

/// <summary>A new role for an account.</summary>
/// <param name="Role">`user` or `admin`.</param>
/// <param name="Reason">Why, for the audit log: 1 to 500 characters. <example>Joins the operations team</example></param>
public sealed record ChangeUserRoleRequest(UserRole Role, string Reason);
