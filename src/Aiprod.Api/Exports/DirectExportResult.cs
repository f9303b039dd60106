using Aiprod.Application.Abstractions;
using Aiprod.Application.Exports;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Aiprod.Api.Exports;

/// <summary>
/// Streams a direct export into the response: the headers leave first, then the file as the exporter writes it, so
/// the client sees the first bytes long before the last job is read. Once the headers are out a failure cannot
/// become a problem document any more; the connection is aborted instead, so the client sees a broken transfer, never
/// a file that merely looks complete.
/// </summary>
internal sealed partial class DirectExportResult(DirectExport export) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext;
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = export.MediaType.StartsWith("text/", StringComparison.Ordinal) ? export.MediaType + "; charset=utf-8" : export.MediaType;
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment")
        {
            FileName = export.FileName,
            FileNameStar = export.FileName,
        }.ToString();
        // Exports hold the owner's data: no shared cache may keep one.
        response.Headers.CacheControl = "no-store";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(http.RequestAborted);
        try
        {
            await export.WriteAsync(response.Body, http.RequestAborted);
            await response.CompleteAsync();
        }
        catch (ExportSizeLimitExceededException exceeded)
        {
            LogSizeLimit(http.RequestServices.GetRequiredService<ILogger<DirectExportResult>>(), export.FileName, exceeded.MaxBytes);
            http.Abort();
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody left to answer.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The direct export {FileName} passed the size limit of {MaxBytes} bytes; the response was aborted.")]
    private static partial void LogSizeLimit(ILogger logger, string fileName, long maxBytes);
}
