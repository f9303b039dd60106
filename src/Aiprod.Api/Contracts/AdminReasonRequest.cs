namespace Aiprod.Api.Contracts;

/// <summary>An admin's change and why it was made.</summary>
/// <param name="Reason">Why, for the audit log: 1 to 500 characters. <example>Support ticket 4711: the owner asked for it</example></param>
public sealed record AdminReasonRequest(string Reason);
