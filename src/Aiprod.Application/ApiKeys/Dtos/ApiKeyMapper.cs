using Aiprod.Domain.ApiKeys;
using Riok.Mapperly.Abstractions;

namespace Aiprod.Application.ApiKeys.Dtos;

[Mapper]
public static partial class ApiKeyMapper
{
    /// <summary>The status is the one at <paramref name="status"/>'s time, expiry included, not the stored one.</summary>
    [MapProperty(nameof(ApiKey.Id), nameof(ApiKeyDto.KeyId))]
    [MapperIgnoreSource(nameof(ApiKey.KeyHash))]
    [MapperIgnoreSource(nameof(ApiKey.OwnerId))]
    [MapperIgnoreSource(nameof(ApiKey.Status))]
    [MapperIgnoreSource(nameof(ApiKey.Version))]
    [MapperIgnoreSource(nameof(ApiKey.ExpiryNoticeAt))]
    public static partial ApiKeyDto ToDto(this ApiKey key, ApiKeyStatus status);

    public static ApiKeyDto ToDtoAt(this ApiKey key, DateTimeOffset now) => key.ToDto(key.StatusAt(now));
}
