using Aiprod.Api.OpenApi;
using Aiprod.Application.Admin.Commands.ChangeUserRole;
using Aiprod.Domain.Users;

namespace Aiprod.Api.Contracts;

/// <summary>A new role for an account.</summary>
/// <param name="Role">`user` or `admin`; required (a body without it is a 400, never a demotion).</param>
/// <param name="Reason">Why: 1 to 500 characters, in the audit log and shown to the account's owner. <example>Joins the operations team</example></param>
[ValidatedAs(typeof(ChangeUserRoleCommand))]
public sealed record ChangeUserRoleRequest(UserRole? Role, string Reason) : IRequestExample<ChangeUserRoleRequest>
{
    public static ChangeUserRoleRequest Example => new(UserRole.Admin, "Joins the operations team");
}
