namespace Aiprod.Domain.Users;

/// <summary>An admin lost the role; sessions a racing login or refresh committed meanwhile are ended after the commit.</summary>
public sealed record UserDemoted(UserId UserId) : IUserAccessWithdrawn
{
    public string SessionEndReason => "role_changed";
}
