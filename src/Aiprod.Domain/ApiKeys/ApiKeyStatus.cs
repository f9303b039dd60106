namespace Aiprod.Domain.ApiKeys;

public enum ApiKeyStatus
{
    Active,
    Rotated,
    Revoked,
    Expired,
}
