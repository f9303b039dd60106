namespace Aiprod.Application.Common;

/// <summary>
/// Declares that a command may lose an optimistic-concurrency race and is then run again, whole, on a fresh scope
/// (<see cref="Behaviours.ConflictRetryBehaviour{TMessage, TResponse}"/>): it reads again what the winner wrote and
/// decides again. Bounded, because under contention another writer may win every time; past the bound the
/// conflict goes to the caller (409 <c>concurrent_update</c>: nothing was written, ask again).
/// </summary>
public interface IRetryOnConflict
{
    /// <summary>How many times the command may run in all.</summary>
    int MaxAttempts => 3;
}

/// <summary>A command that answers something else than the conflict once its attempts are spent.</summary>
public interface IRetryOnConflict<out TResponse> : IRetryOnConflict
{
    TResponse WhenConflictPersists();
}
