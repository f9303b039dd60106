namespace Aiprod.Application.Admin;

/// <summary>An account as an admin sees it: disabled wins over locked, which wins over active.</summary>
public enum AdminUserStatus
{
    /// <summary>May log in.</summary>
    Active,
    /// <summary>Disabled by an admin: cannot log in, and its sessions and keys are refused.</summary>
    Disabled,
    /// <summary>Locked out for a while after repeated wrong passwords.</summary>
    Locked,
}
