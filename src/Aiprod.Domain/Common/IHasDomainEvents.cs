namespace Aiprod.Domain.Common;

/// <summary>
/// An aggregate that raises <see cref="IDomainEvent"/>s. The unit of work takes them from every aggregate it tracks
/// once its commit succeeded; a failed commit discards the aggregates, and their events with them.
/// </summary>
public interface IHasDomainEvents
{
    /// <summary>Returns the events raised since the last call, and forgets them.</summary>
    IReadOnlyList<IDomainEvent> TakeDomainEvents();
}
