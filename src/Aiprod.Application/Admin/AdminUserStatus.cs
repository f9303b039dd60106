namespace Aiprod.Application.Admin;

/// <summary>An account as an admin sees it: disabled wins over locked, which wins over active.</summary>
public enum AdminUserStatus
{
    Active,
    Disabled,
    Locked,
}
