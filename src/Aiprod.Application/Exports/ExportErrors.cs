using Aiprod.Domain.Common;

namespace Aiprod.Application.Exports;

public static class ExportErrors
{
    public static Error TooManyJobsForDirectExport(int count, int max) => Error.TooLarge(
        "too_many_jobs_for_direct_export",
        $"The selection holds {count} jobs; a direct export answers at most {max}. Narrow the filters, or create an export "
        + "job with POST /exports, which writes the file in the background and lets you download it when it is ready.");
}
