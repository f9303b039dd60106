namespace Aiprod.Application.Common;

/// <summary>
/// A command whose commit a unique index may refuse (two requests raced past the handler's existence check): the
/// commit behaviour answers <see cref="WhenUniqueIndexRefuses"/> instead of the exception.
/// </summary>
public interface IRefusedByUniqueIndex<out TResponse>
{
    TResponse WhenUniqueIndexRefuses();

    /// <summary>
    /// Whether this message writes the row whose index <see cref="WhenUniqueIndexRefuses"/> explains. When it does not
    /// (a request without an <c>Idempotency-Key</c> keeps no idempotency record), a refusal is something the answer
    /// would misname, and the exception stands.
    /// </summary>
    bool ExpectsUniqueIndexRefusal => true;
}
