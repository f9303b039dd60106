using Aiprod.Application.Abstractions;
using System.Diagnostics;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Aiprod.Application.Common.Behaviours;

/// <summary>
/// Logs the name, duration and outcome of every message. It never logs the message itself:
/// commands carry passwords and tokens. Through generated log methods: a message handled while Debug is off (as in
/// production) costs a level check, not an array of boxed arguments.
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
            MessageLog.Handled(logger, typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (ConcurrencyConflictException)
        {
            // A lost optimistic race: run again by the retry behaviour, or answered 409. Expected under load, not an error.
            MessageLog.LostRace(logger, typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
        catch (Exception ex) when (ex is not ValidationFailedException and not OperationCanceledException)
        {
            MessageLog.Failed(logger, ex, typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }
}

internal static partial class MessageLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Message} handled in {ElapsedMs:F1} ms")]
    public static partial void Handled(ILogger logger, string message, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Message} lost a race after {ElapsedMs:F1} ms")]
    public static partial void LostRace(ILogger logger, string message, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message} failed after {ElapsedMs:F1} ms")]
    public static partial void Failed(ILogger logger, Exception exception, string message, double elapsedMs);
}
