namespace Aiprod.Application.Common;

/// <summary>
/// A command whose commit a unique index may refuse (two requests raced past the handler's existence check): the
/// commit behaviour answers <see cref="WhenUniqueIndexRefuses"/> instead of the exception.
/// </summary>
public interface IRefusedByUniqueIndex<out TResponse>
{
    TResponse WhenUniqueIndexRefuses();
}
