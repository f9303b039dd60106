using Aiprod.Domain.Common;

namespace Aiprod.Domain.Sessions;

/// <summary>
/// Identifies a session: a <see cref="RefreshTokenFamily"/>. Access tokens carry it as <c>sid</c>, the API as
/// <c>session_id</c>.
/// </summary>
public readonly record struct SessionId(Guid Value) : IEntityId<SessionId>
{
    public static SessionId New(DateTimeOffset now) => new(Guid.CreateVersion7(now));

    public override string ToString() => Value.ToString();
}
