namespace Aiprod.Domain.Users;

public enum UserRole
{
    /// <summary>Works with their own jobs, keys, exports and webhooks.</summary>
    User = 0,
    /// <summary>Also reads and manages every user's, under /admin.</summary>
    Admin = 1,
}
