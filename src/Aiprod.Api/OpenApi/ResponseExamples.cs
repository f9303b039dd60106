using Aiprod.Api.Contracts;
using Aiprod.Api.Http;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Exports.Queries.ListExportFormats;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Domain.Sessions;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Application.Webhooks;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// The example of each success answer, by its type: a public static property of this class whose type is the answer's
/// (a list answer takes its item's example as one item). The DTOs live in Application, which knows nothing of the
/// document, so their examples are owned here; <see cref="ResponseExampleFilter"/> writes them with the API's JSON
/// options, and a test checks each against its schema.
/// </summary>
public static class ResponseExamples
{
    private static readonly DateTimeOffset Created = new(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);
    private static readonly JobId Job = new(Guid.Parse("0192f1e2-7c3a-7d4b-9a61-3f2c5b8e1d01"));
    private static readonly ApiKeyId Key = new(Guid.Parse("0192f1e2-7c3a-7d4b-9a61-3f2c5b8e1d02"));
    private static readonly UserId User = new(Guid.Parse("0192f1e2-7c3a-7d4b-9a61-3f2c5b8e1d03"));
    private static readonly ExportId Export = new(Guid.Parse("0192f1e2-7c3a-7d4b-9a61-3f2c5b8e1d04"));
    private static readonly Guid Webhook = Guid.Parse("0192f1e2-7c3a-7d4b-9a61-3f2c5b8e1d05");
    private static readonly Guid Delivery = Guid.Parse("0192f1e2-7c3a-7d4b-9a61-3f2c5b8e1d06");

    public static JobSubmittedDto JobSubmitted => new(Job, JobStatus.Queued, "Queued. Follow it live at /ws/job/{job_id} or poll GET /pipeline/job/{job_id}.", Created.AddSeconds(30));

    public static JobSummaryDto JobSummary => new(Job, JobStatus.Running, JobPreset.QuickSocial, JobPriority.Normal, "en", 30, 40, 0, Created, Created.AddMinutes(2), null);

    public static JobPageDto JobPage => new([JobSummary], 1, 20, 0);

    public static JobDetailsDto JobDetails => new(
        Job, JobStatus.Completed, "A 30-second teaser for the spring collection: city rooftops at dawn, upbeat music.", JobPreset.QuickSocial,
        JobPriority.Normal, "en", 30, 100, 0, Created, Created.AddMinutes(4), Created.AddMinutes(1), null, 4,
        [
            new JobStateChangeDto(1, Created, null, JobStatus.Queued, "Submitted."),
            new JobStateChangeDto(2, Created.AddMinutes(1), JobStatus.Queued, JobStatus.Running, "Claimed by a worker."),
            new JobStateChangeDto(4, Created.AddMinutes(4), JobStatus.Running, JobStatus.Completed, "Completed."),
        ],
        [new JobLogDto(3, Created.AddMinutes(2), JobLogLevel.Info, "Storyboard rendered.")],
        0,
        new JobResultDto(true, System.Text.Json.JsonDocument.Parse("""{"video_url":"https://cdn.example.com/teaser.mp4"}""").RootElement.Clone(), null, 183_000, Created.AddMinutes(4)));

    public static ClaimedJobDto ClaimedJob => new(
        Job, "A 30-second teaser for the spring collection: city rooftops at dawn, upbeat music.", JobPreset.QuickSocial, JobPriority.Normal, "en", 30, 0,
        Created.AddMinutes(6), new JobClaimId(Guid.Parse("0192f1e2-7c3a-7d4b-9a61-3f2c5b8e1d07")));

    public static WorkerAckDto WorkerAck => new(Job, JobStatus.Running, Created.AddMinutes(6));

    public static ApiKeyDto ApiKey => new(
        Key, "render script", "aip_3kTq9Zb1", [ApiKeyScope.JobsRead, ApiKeyScope.JobsWrite], ApiKeyStatus.Active, Created, Created.AddDays(90),
        Created.AddHours(3), 42, null, null, null, null, null);

    public static IssuedApiKeyDto IssuedApiKey => new("aip_3kTq9Zb1wXeRf5LmNc7Hy2PdVa8Gs4Ju6KoBi0TnQzE1y9Xw4", ApiKey);

    public static ApiKeyListDto ApiKeyList => new([ApiKey], 1, 1);

    public static RevokeAllResultDto RevokeAllResult => new(3, Created);

    public static UserDto UserAccount => new(User, "ann@example.com", "Ann", UserRole.User, Created, Created.AddDays(1));

    public static TokenResponse Token => new(
        "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIwMTkyIn0.c2lnbmF0dXJl", "Bearer", 900, Created,
        "Xq3mB7dZ0kLwR9sT2vYc5hJ8nF1pG4aE6uI0oK3lM7Q", 2_592_000);

    public static ExportDto ExportEntry => new(
        Export, ExportStatus.Succeeded, ExportFormat.Csv, null, JobStatus.Completed, null, Created.AddDays(-7), Created, false, null,
        new ExportProgressDto(120, 120, 48_213), 48_213, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", null, null, 1,
        Created, Created.AddSeconds(2), Created.AddSeconds(9), Created.AddDays(7), $"/exports/{Export.Value}/download");

    public static ExportPageDto ExportPage => new([ExportEntry], 1, 20, 0);

    public static WebhookDto WebhookEntry => new(
        Webhook, "https://hooks.example.com/aiprod", [WebhookEventTypes.JobCompleted, WebhookEventTypes.JobFailed], "Render notifications", true, null, null, null, null, Created, Created);

    public static WebhookWithSecretDto WebhookWithSecret => new(WebhookEntry, "whsec_MfKQ9r73vRGQAc6mmRJzD5ZcnxKt0R2m");

    public static WebhookListDto WebhookList => new([WebhookEntry]);

    public static WebhookDeliveryDto WebhookDelivery => new(
        Delivery, "msg_0192f1e27c3a7d4b9a613f2c5b8e1d08", WebhookEventTypes.JobCompleted, WebhookDeliveryStatus.Succeeded, 1, null, Created, Created.AddSeconds(1),
        [new WebhookAttemptDto(1, Created.AddSeconds(1), 200, 84, null)]);

    public static WebhookDeliveryListDto WebhookDeliveryList => new([WebhookDelivery]);

    private static readonly SessionId Session = new(Guid.Parse("0192f1e2-7c3a-7d4b-9a61-3f2c5b8e1d09"));

    public static ApiKeyStatsDto ApiKeyStats => new(4, new Dictionary<string, int>(StringComparer.Ordinal) { ["active"] = 2, ["rotated"] = 1, ["revoked"] = 1 }, Created.AddDays(90), 1_204, 3, Created.AddHours(3));

    public static ApiKeyHealthDto ApiKeyHealth => new(true, 2, true, 0,
        [new ApiKeyRecommendation("expiring_soon", "high", "1 key(s) expire within 7 days: rotate them now (POST /api-keys/{key_id}/rotate with a grace period) so clients can switch without downtime.", [Key])]);

    public static CurrentApiKeyResponse CurrentApiKey => new(Key, User, [ApiKeyScope.JobsRead, ApiKeyScope.JobsWrite]);

    public static SessionDto SessionEntry => new(Session, Created, Created.AddHours(2), Created.AddDays(30), "203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", true);

    public static SessionListResponse SessionList => new([SessionEntry]);

    public static TokenInfoDto TokenInfo => new(User, Session, Created.AddHours(2), Created.AddDays(1).AddHours(2), Created.AddDays(30), 3, RefreshTokenStatus.Active, Created.AddHours(2));

    public static LogoutAllResponse LogoutAll => new(2);

    public static IntrospectionResponse Introspection => new(true, "access_token", User.Value.ToString(), "ann@example.com", Created.AddMinutes(15).ToUnixTimeSeconds(), Created.ToUnixTimeSeconds(), Session.Value.ToString(), "0192f1e2-7c3a-7d4b-9a61-3f2c5b8e1d0a", "aiprod");

    public static CsrfTokenResponse CsrfToken => new("ZXhhbXBsZQ.c2Vzc2lvbg.c2lnbmF0dXJl", "X-CSRF-Token", Created.AddHours(1), 3600, Session);

    public static CsrfVerifyResponse CsrfVerify => new(true, null, null, Session);

    public static ExportFormatDto ExportFormatEntry => new(ExportFormat.Csv, "text/csv", "csv", "One row per job, nested objects flattened to dotted columns.", true, 104_857_600, 1_000);

    public static RunJobBatchResponse RunJobBatch => new(
        [
            new RunJobBatchItem(0, StatusCodes.Status202Accepted, JobSubmitted, null),
            new RunJobBatchItem(1, StatusCodes.Status409Conflict, null, Refusal(JobErrors.TooManyQueued(100))),
        ],
        1, 1);

    public static CancelJobBatchResponse CancelJobBatch => new(
        [
            new CancelJobBatchItem(0, Job, StatusCodes.Status204NoContent, null),
            new CancelJobBatchItem(1, new JobId(Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7")), StatusCodes.Status404NotFound, Refusal(JobErrors.NotFound)),
        ],
        1, 1);

    private static BatchItemProblem Refusal(Domain.Common.Error error)
    {
        var status = Controllers.ApiControllerBase.StatusOf(error);
        return new(ProblemTypes.For(error.Code), Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), status, error.Message, null);
    }
}
