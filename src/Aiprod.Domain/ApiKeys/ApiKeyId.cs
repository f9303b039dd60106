using Aiprod.Domain.Common;

namespace Aiprod.Domain.ApiKeys;

/// <summary>Identifies an <see cref="ApiKey"/>; a worker is known by the id of the key it presents.</summary>
public readonly record struct ApiKeyId(Guid Value) : IEntityId<ApiKeyId>
{
    public static ApiKeyId New(DateTimeOffset now) => new(Guid.CreateVersion7(now));

    public override string ToString() => Value.ToString();
}
