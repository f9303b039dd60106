namespace Aiprod.Domain.Users;

/// <summary>An account was disabled; sessions a racing login committed meanwhile are ended after the commit.</summary>
public sealed record UserDisabled(UserId UserId) : IUserAccessWithdrawn
{
    public string SessionEndReason => "user_disabled";
}
