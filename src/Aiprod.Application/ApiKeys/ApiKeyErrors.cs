using Aiprod.Domain.Common;

namespace Aiprod.Application.ApiKeys;

public static class ApiKeyErrors
{
    /// <summary>Also the answer for another user's key: its existence is not the caller's business.</summary>
    public static readonly Error NotFound = Error.NotFound("api_key_not_found", "You have no API key with this id.");
}
