using Aiprod.Application.Abstractions;
using System.Diagnostics;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Aiprod.Application.Common.Behaviours;

/// <summary>
/// Logs the name, duration and outcome of every message. It never logs the message itself:
/// commands carry passwords and tokens.
/// </summary>
public sealed class LoggingBehaviour<TMessage, TResponse>(ILogger<LoggingBehaviour<TMessage, TResponse>> logger)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(
        TMessage message,
        MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next(message, cancellationToken);
            logger.LogDebug("{Message} handled in {ElapsedMs:F1} ms", typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (ConcurrencyConflictException)
        {
            // A lost optimistic race: run again by the retry behaviour, or answered 409. Expected under load, not an error.
            logger.LogDebug("{Message} lost a race after {ElapsedMs:F1} ms", typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
        catch (Exception ex) when (ex is not ValidationFailedException and not OperationCanceledException)
        {
            logger.LogError(ex, "{Message} failed after {ElapsedMs:F1} ms", typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }
}
