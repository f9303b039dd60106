using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;

namespace Aiprod.Application.ApiKeys;

internal static class ApiKeyAudit
{
    /// <summary>What an audit event says about a key: its prefix and hash prefix, never the key.</summary>
    public static Dictionary<string, object?> Details(ApiKey key, params (string Name, object? Value)[] extra)
    {
        var details = new Dictionary<string, object?>
        {
            ["key_id"] = key.Id,
            ["name"] = key.Name,
            ["prefix"] = key.Prefix,
            ["key_hash_prefix"] = key.KeyHash[..8],
            ["scopes"] = key.Scopes.Select(EnumNames.Of).ToList(),
        };
        foreach (var (name, value) in extra)
        {
            details[name] = value;
        }

        return details;
    }
}
