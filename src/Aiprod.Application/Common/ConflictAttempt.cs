namespace Aiprod.Application.Common;

/// <summary>
/// Which run of a <see cref="IRetryOnConflict"/> command this scope serves, and what earlier runs of the same
/// request carried over (work that does not depend on the state read, such as a slow hash). Scoped: the retry
/// behaviour fills it in on each fresh scope.
/// </summary>
public sealed class ConflictAttempt
{
    public int Number { get; internal set; } = 1;

    public IDictionary<string, object> Carried { get; internal set; } = new Dictionary<string, object>();
}
