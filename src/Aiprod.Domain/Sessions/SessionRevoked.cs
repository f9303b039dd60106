using Aiprod.Domain.Common;

namespace Aiprod.Domain.Sessions;

/// <summary>A session ended; every instance must refuse its access tokens from the commit on.</summary>
public sealed record SessionRevoked(SessionId FamilyId) : IDomainEvent;
