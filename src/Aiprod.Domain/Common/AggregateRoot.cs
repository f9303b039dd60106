namespace Aiprod.Domain.Common;

/// <summary>An aggregate that raises domain events: it keeps them until the unit of work takes them.</summary>
public abstract class AggregateRoot : IHasDomainEvents
{
    private readonly List<IDomainEvent> domainEvents = [];

    /// <inheritdoc />
    public IReadOnlyList<IDomainEvent> TakeDomainEvents()
    {
        var taken = domainEvents.ToList();
        domainEvents.Clear();
        return taken;
    }

    protected void Raise(IDomainEvent domainEvent) => domainEvents.Add(domainEvent);
}
