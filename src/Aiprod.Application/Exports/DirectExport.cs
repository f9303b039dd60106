using Aiprod.Application.Abstractions;

namespace Aiprod.Application.Exports;

/// <summary>
/// A direct export that has passed its checks (the jobs are the caller's, there are not too many) and has not been
/// written yet: the host sends the headers, then lets <see cref="WriteAsync"/> stream the file into the response.
/// </summary>
public sealed record DirectExport(
    string FileName,
    string MediaType,
    Func<Stream, CancellationToken, Task<ExportWriteResult>> WriteAsync);
