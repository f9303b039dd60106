using Aiprod.Domain.Common;

namespace Aiprod.Domain.Users;

/// <summary>An account was disabled; sessions a racing login committed meanwhile are ended after the commit.</summary>
public sealed record UserDisabled(UserId UserId) : IDomainEvent;
