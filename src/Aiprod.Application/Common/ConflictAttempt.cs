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

    /// <summary>What an earlier run of this request made of type <typeparamref name="T"/>, or a new one kept for the next run.</summary>
    public T Carry<T>(Func<T> create)
        where T : class
    {
        var key = typeof(T).FullName!;
        if (Carried.TryGetValue(key, out var carried) && carried is T earlier)
        {
            return earlier;
        }

        var made = create();
        Carried[key] = made;
        return made;
    }
}
