using Aiprod.Api.OpenApi;
using Aiprod.Application.Accounts.Commands.DisableUser;

namespace Aiprod.Api.Contracts;

/// <summary>An admin's change and why it was made.</summary>
/// <param name="Reason">Why: 1 to 500 characters, in the audit log and shown to the affected user. <example>Support ticket 4711: the owner asked for it</example></param>
// Every admin change checks its reason with the one rule (MustBeAnAdminReason); the disable's validator states it.
[ValidatedAs(typeof(DisableUserCommand))]
public sealed record AdminReasonRequest(string Reason) : IRequestExample<AdminReasonRequest>
{
    public static AdminReasonRequest Example => new("Support ticket 4711: the owner asked for it");
}
