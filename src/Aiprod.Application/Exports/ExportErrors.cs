using Aiprod.Application.Abstractions;
using Aiprod.Domain.Common;

namespace Aiprod.Application.Exports;

public static class ExportErrors
{
    public static Error TooManyJobsForDirectExport(int count, int max) => Error.TooLarge(
        "too_many_jobs_for_direct_export",
        $"The selection holds {count} jobs; a direct export answers at most {max}. Narrow the filters, or create an export "
        + "job with POST /exports, which writes the file in the background and lets you download it when it is ready.");

    public static Error TooManyJobsForZip(int count, int max) => Error.TooLarge(
        ExportTooManyJobsException.ErrorCode,
        $"The selection holds {count} jobs; a ZIP export holds at most {max}. Narrow the filters, or choose the csv or jsonl "
        + "format, which have no such limit.");

    public static Error TooManyDirectExports(int max) => new(
        ErrorKind.TooManyRequests,
        "too_many_direct_exports",
        $"You already have {max} direct exports running; wait for one to finish (see Retry-After), or create an export job with POST /exports.");

    public static Error TooManyQueuedExports(int max) => Error.Conflict(
        "too_many_queued_exports",
        $"You have {max} exports waiting in the queue, the most one user may have. Wait until some start, or cancel some "
        + "with POST /exports/{id}/cancel, then create this one again.");
}
