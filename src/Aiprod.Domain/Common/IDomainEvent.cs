namespace Aiprod.Domain.Common;

/// <summary>Something an aggregate did that others must hear of, but only once it is committed.</summary>
public interface IDomainEvent;
