using Aiprod.Domain.Common;

namespace Aiprod.Domain.Users;

/// <summary>Identifies a <see cref="User"/>; the <c>sub</c> of its access tokens.</summary>
public readonly record struct UserId(Guid Value) : IEntityId<UserId>
{
    public static UserId New(DateTimeOffset now) => new(Guid.CreateVersion7(now));

    public override string ToString() => Value.ToString();
}
