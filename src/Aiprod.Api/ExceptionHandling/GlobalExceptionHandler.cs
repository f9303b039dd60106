using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Exports;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Aiprod.Api.ExceptionHandling;

/// <summary>
/// The one place where escaped exceptions become problem details. Expected failures never get here (they are
/// results); what does is either a validation failure, a malformed request, or a bug, which is logged with its
/// trace id and answered without any internals.
/// </summary>
internal sealed class GlobalExceptionHandler(IProblemDetailsService problems, ILogger<GlobalExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ProblemFor(exception, httpContext);
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            problem = new ProblemDetails
            {
                Status = PipelineProblems.InternalError.Status,
                Type = ProblemTypes.For(PipelineProblems.InternalError.Code),
                Title = PipelineProblems.InternalError.Title,
                Detail = PipelineProblems.InternalError.Detail,
            };
        }
        else if (problem.Type == ProblemTypes.For("database_busy"))
        {
            logger.LogWarning("A write on {Method} {Path} gave up waiting for the database's write lock", httpContext.Request.Method, httpContext.Request.Path);
            httpContext.Response.Headers.RetryAfter = "1";
        }
        else if (problem.Type == ProblemTypes.For(ExportJobErrors.StorageUnavailable.Code))
        {
            logger.LogWarning(exception, "The export storage did not answer on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            httpContext.Response.Headers.RetryAfter = "5";
        }
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning("A write on {Method} {Path} failed: the database cannot make writes durable ({Problem})", httpContext.Request.Method, httpContext.Request.Path, problem.Type);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
    }

    /// <summary>
    /// The problem an exception answers, or null for a bug (a 500, which the caller logs). Every 503 it makes is the
    /// store refusing a write (busy, suspended, not durable) or the export storage not answering. Shared with the batch routes, whose items answer what
    /// their single route would.
    /// </summary>
    public static ProblemDetails? ProblemFor(Exception exception, HttpContext httpContext)
    {
        // A write refused for a busy database may come wrapped by EF Core (a statement's failure inside SaveChanges).
        if (exception is not StoreBusyException && FindBusy(exception) is { } busy)
        {
            exception = busy;
        }

        return exception switch
        {
            ValidationFailedException validation => new ValidationProblemDetails(
                // Two rules may name one field differently (a property, and a cross-field rule named as it is on the wire):
                // one field, all of their messages.
                validation.Errors.GroupBy(e => ProblemDetailsSetup.FieldName(e.Key), StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.SelectMany(e => e.Value).Distinct().ToArray(), StringComparer.Ordinal))
            {
                Status = PipelineProblems.ValidationFailed.Status,
                Type = ProblemTypes.For(PipelineProblems.ValidationFailed.Code),
                Title = PipelineProblems.ValidationFailed.Title,
                Detail = PipelineProblems.ValidationFailed.Detail,
            },
            BadHttpRequestException bad => new ProblemDetails
            {
                Status = bad.StatusCode,
                Type = ProblemTypes.For(bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "body_too_large" : "bad_request"),
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.",
            },
            ConcurrencyConflictException => new ProblemDetails
            {
                Status = PipelineProblems.ConcurrentUpdate.Status,
                Type = ProblemTypes.For(PipelineProblems.ConcurrentUpdate.Code),
                Title = PipelineProblems.ConcurrentUpdate.Title,
                Detail = PipelineProblems.ConcurrentUpdate.Detail,
            },
            StoreBusyException => new ProblemDetails
            {
                // Nothing was written: the write lock stayed taken for the whole busy timeout (a long write elsewhere,
                // a backup, another process on the file).
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = ProblemTypes.For("database_busy"),
                Title = "The database is busy.",
                Detail = "Nothing was changed. Retry the request.",
            },
            WritesSuspendedException => new ProblemDetails
            {
                // An fsync of the database failed earlier: this instance can make no write durable until it restarts,
                // so it refuses writes before they begin.
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = ProblemTypes.For("writes_suspended"),
                Title = "This server cannot store changes durably at the moment.",
                Detail = "Nothing was changed. Retry the request later.",
            },
            CommitNotDurableException => new ProblemDetails
            {
                // The write was applied, but its fsync failed: it may be lost on a power loss. Not a success, and not
                // "nothing changed" either, so the client looks before it repeats the request.
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = ProblemTypes.For("write_not_durable"),
                Title = "The change could not be confirmed on disk.",
                Detail = "The change may have been applied. Check its result before retrying.",
            },
            StorageUnavailableException => new ProblemDetails
            {
                // The export storage (a blob service) refused, stalled past its timeout, or failed. The export's
                // record is unchanged; a delete the storage received but did not answer may still remove the file,
                // which the delete sent again finishes (a download of it then answers 410).
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = ProblemTypes.For(ExportJobErrors.StorageUnavailable.Code),
                Detail = ExportJobErrors.StorageUnavailable.Message,
            },
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => new ProblemDetails
            {
                // The client went away; nobody reads this answer, but it must not be logged as a server error.
                Status = 499,
                Title = "The client closed the request.",
            },
            _ => null,
        };
    }

    private static StoreBusyException? FindBusy(Exception exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is StoreBusyException busy)
            {
                return busy;
            }
        }

        return null;
    }
}
