using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aiprod.Application.Abstractions;
using Aiprod.Infrastructure.Exports;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Infrastructure;

/// <summary>Export jobs over HTTP, and the runner of a host driven round by round.</summary>
public static class ExportTestKit
{
    public static async Task<HttpResponseMessage> PostExportAsync(this HttpClient client, string token, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/exports") { Content = JsonContent.Create(body) }.WithBearer(token);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Queues an export and returns its id.</summary>
    public static async Task<string> CreateExportAsync(this HttpClient client, string token, object? body = null)
    {
        var response = await client.PostExportAsync(token, body ?? new { format = "json" });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).Str("export_id");
    }

    public static async Task<JsonObject> GetExportAsync(this HttpClient client, string token, string exportId)
    {
        var response = await client.GetWithTokenAsync($"/exports/{exportId}", token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    /// <summary>
    /// Polls the export until it is in one of <paramref name="statuses"/>: the runner works on its own tasks. Bounded,
    /// so a runner that never gets there fails the test instead of hanging it.
    /// </summary>
    public static async Task<JsonObject> WaitForExportAsync(this HttpClient client, string token, string exportId, params string[] statuses)
    {
        JsonObject export = [];
        for (var i = 0; i < 500; i++)
        {
            export = await client.GetExportAsync(token, exportId);
            if (statuses.Contains(export.Str("status")))
            {
                return export;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"Export {exportId} never became {string.Join(" or ", statuses)}: {export.ToJsonString()}");
    }

    /// <summary>One round of the host's runner now (retention, then claims), without waiting for its timer.</summary>
    public static Task RunExportRoundAsync(this AiprodApiFactory factory) =>
        factory.Services.GetRequiredService<ExportRunner>().RoundAsync(TestContext.Current.CancellationToken);

    public static int RunningExports(this AiprodApiFactory factory) => factory.Services.GetRequiredService<ExportRunner>().Running;

    /// <summary>A host whose writers are <paramref name="exporter"/>.</summary>
    public static Action<IServiceCollection> WithExporter(IJobExporter exporter) => s => s.AddSingleton(exporter);

    /// <summary>Every file under the host's export folder, partial uploads included.</summary>
    public static IReadOnlyList<string> ExportFiles(string folder) =>
        Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f))] : [];
}
