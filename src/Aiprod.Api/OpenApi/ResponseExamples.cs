using Aiprod.Api.Contracts;
using Aiprod.Api.Http;
using Aiprod.Api.Security;
using Aiprod.Application.Admin;
using Aiprod.Application.Admin.Dtos;
using Aiprod.Application.Audit.Dtos;
using Aiprod.Domain.Audit;
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

    public static Controllers.OperationsController.ServiceInfo Service => new("Aiprod API", "1.0.0", new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["docs"] = "/swagger",
        ["openapi"] = "/swagger/v1/swagger.json",
        ["health"] = "/health",
        ["ready"] = "/health/ready",
        ["jwks"] = "/.well-known/jwks.json",
    });

    /// <summary>The readiness answer (<c>GET /health</c>, liveness, gives the same status with no checks).</summary>
    public static Controllers.OperationsController.HealthReportDto Health => new(
        "healthy", new Dictionary<string, string>(StringComparer.Ordinal) { ["database"] = "healthy", ["durability"] = "healthy", ["redis"] = "healthy" });

    public static Controllers.OperationsController.JwksDocument Jwks => new(
        [new("EC", "P-256", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "k1", "sig", "ES256")]);

    public static Controllers.LiveController.WebSocketStatsDto WebSocketStats => new(12, 9, 3, 1_840, 96_512, 4, 7);

    public static AdminJobPageDto AdminJobPage => new(
        [new AdminJobDto(Job, User, JobStatus.Running, JobPreset.QuickSocial, JobPriority.Normal, "en", 30, 40, 0, Created, Created.AddMinutes(2), null)], 1, 20, 0);

    public static JobsOverviewDto JobsOverview => new(
        JobCounts, Created, 42,
        [new RunningJobDto(Job, User, Key, Created.AddMinutes(6), 40, 0, Created.AddMinutes(1))],
        2, 1, 0);

    public static AdminUserDto AdminUser => new(User, "ann@example.com", "Ann", UserRole.User, AdminUserStatus.Active, Created, Created.AddDays(1), null, null, 0);

    public static AdminUserPageDto AdminUserPage => new([AdminUser], "0192f1e2-7c3a-7d4b-9a61-3f2c5b8e1d03");

    public static AdminUserDetailDto AdminUserDetail => new(AdminUser, 1, [SessionEntry with { Current = false }], new ApiKeyCountsDto(2, 1, 1, 0), JobCounts);

    private static JobCountsDto JobCounts => new(3, 1, 120, 4, 2);

    public static AuditEventPageDto AuditEventPage => new(
        [
            new AuditEventDto(
                1_204, 1_204, "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", Created, AuditEventTypes.ApiKeyCreated, ActorKind.User,
                User.Value.ToString(), Key.Value.ToString(), AuditOutcome.Success, "203.0.113.7", "curl/8.5.0", "4bf92f3577b34da6a3ce929d0e0e4736",
                System.Text.Json.JsonDocument.Parse("""{"name":"render script","prefix":"aip_3kTq9Zb1"}""").RootElement.Clone()),
        ],
        "1204");

    public static AuditCheckpointPageDto AuditCheckpointPage => new(
        new AuditPublicKeyDto("EC", "P-256", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "audit-k1", "ES256"),
        [
            new AuditCheckpointDto(
                1_000, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 1_000, Created, "audit-k1",
                "MEUCIQDt7w0m0d3L6nYp8Y9xw2kH6q1bV7N3Q2c5R8tS4u1vWgIgJ5m2Zq9Xo7Lr3Ff6Hh8Kk1Nn4Pp7Ss0Vv3Yy6Bb9Ee2",
                """{"count":1000,"head_hash":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","seq":1000}"""),
        ],
        null);

    public static AuditVerificationReport AuditVerification => new(
        true, 1, 1_204, 1_204, 1_204, 0, null, [], 2, 1, 1, 0,
        [new AuditCheckpointCheck(1_000, "audit-k1", Created, CheckpointSignatureStatus.Valid, CheckpointChainStatus.Matches)],
        Created.AddDays(1));

    public static SecurityHeadersReportDto SecurityHeaders => new(
        "https",
        "100 plus the modifiers (bonuses only when the score without them is at least 90), at least 0; graded as the MDN HTTP Observatory grades",
        new SurfaceHeadersReportDto(
            "every path outside /swagger",
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'",
                ["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains",
                ["X-Content-Type-Options"] = "nosniff",
            },
            [new HeaderCheckDto("content-security-policy", "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'", "a policy without 'unsafe-inline' or 'unsafe-eval'", true, 10, "default-src 'none' blocks every resource the answer does not need.")],
            110,
            "A+"),
        new SurfaceHeadersReportDto(
            "/swagger and below",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'", ["X-Content-Type-Options"] = "nosniff" },
            [new HeaderCheckDto("x-content-type-options", "X-Content-Type-Options", "nosniff", "nosniff", true, 0, "Browsers do not guess the media type.")],
            100,
            "A+"),
        [new CookieCheckDto("__Host-aiprod-refresh", "the refresh token of a browser-mode session", "HttpOnly; Secure; SameSite=Strict; Path=/", true, 0, "HttpOnly, Secure and SameSite=Strict, with the __Host- prefix.")]);

    /// <summary>
    /// <c>GET /security/policy</c>, one property per section with the defaults of <c>appsettings.json</c> (the schema,
    /// built from the sections registered, requires each: a new section needs its entry here).
    /// </summary>
    public static IReadOnlyDictionary<string, object> SecurityPolicy => new Dictionary<string, object>(StringComparer.Ordinal)
    {
        ["access_tokens"] = new AccessTokenPolicyDto("ES256", 900, 30, "aiprod", "aiprod", "generated", "/.well-known/jwks.json"),
        ["refresh_tokens"] = new RefreshTokenPolicyDto(
            2_592_000, 7_776_000, 30, "every refresh issues a new token and redeems the old one",
            "a redeemed token presented after the leeway revokes its whole family (session)", 256, "SHA-256", 30, false),
        ["passwords"] = new PasswordPolicyDto(
            12, 128, ["at least 12 characters", "at most 128 characters", "must not be or contain the email address"],
            new PasswordHashingDto("PBKDF2-HMAC-SHA512 (ASP.NET Core Identity v3 format)", 210_000, 100_000, 128, "a hash with fewer iterations than configured is replaced at the next successful login")),
        ["lockout"] = new LockoutPolicyDto(5, 900, "consecutive failed logins and wrong current passwords, each counted atomically"),
        ["api_keys"] = new ApiKeyPolicyDto(
            new ApiKeyFormatDto("aip_", 52, "base62 (0-9, A-Z, a-z)", 256, "CRC32 of the rest, 6 base62 characters", 12),
            "SHA-256", 90, 365, 25, 86_400, 20, 60),
        ["rate_limits"] = new RateLimitPolicyDto(
            true, 60,
            "the authenticated user on endpoints that require authentication, else the client address (X-Forwarded-For only from a trusted proxy); shared by all instances when Redis is configured",
            [new RateLimitEntryDto("admin", 60, 60), new RateLimitEntryDto("auth", 10, 60)]),
        ["web_sockets"] = new SocketPolicyDto(["https://app.example.com"], 10_000, 100, 65_536, 30, 60, 30, 10),
        ["exports"] = new ExportPolicyDto(104_857_600, 10_000, 10_000, 2, 2, 20, 604_800),
        ["audit_chain"] = new AuditChainPolicyDto(
            "every audit event gets a gap-free seq and hash = SHA-256(canonical(event) || previous hash), sealed after its commit",
            true, 1, 1_000, 3_600, "ES256", "audit-k1", "generated", "GET /security/audit-log/verify (admin) and the host command verify-audit"),
        ["csrf"] = new CsrfPolicyDto(
            "signed double-submit token bound to the session (HMAC-SHA256 over session id, generation, issue time and a random value)",
            "X-CSRF-Token", 3_600, "generated", ["https://app.example.com"],
            "an unsafe cookie-authenticated request with Sec-Fetch-Site: cross-site is refused; without that header its Origin must be the API's own or allowed",
            "requests authenticated by a bearer token or an API key: a browser never attaches them on its own",
            [new ReportedCookie("__Host-aiprod-refresh", "the refresh token of a browser-mode session", true, true, true, "Strict", "/")]),
    };

    private static BatchItemProblem Refusal(Domain.Common.Error error)
    {
        var status = Controllers.ApiControllerBase.StatusOf(error);
        return new(ProblemTypes.For(error.Code), Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), status, error.Message, null);
    }
}
