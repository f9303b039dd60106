namespace Aiprod.Api.Setup;

/// <summary>Named rate-limit policies, one per route group of DESIGN.md.</summary>
public static class RateLimitPolicies
{
    public const string Auth = "auth";
    public const string PipelineRun = "pipeline-run";

    /// <summary><c>POST /pipeline/batch</c> and <c>POST /pipeline/jobs/cancel</c>, counted per request (each up to 100 jobs).</summary>
    public const string PipelineBatch = "pipeline-batch";
    public const string ApiKeysCreate = "api-keys-create";
    public const string ApiKeysRead = "api-keys-read";
    public const string ApiKeysChange = "api-keys-change";
    public const string ApiKeysRevokeAll = "api-keys-revoke-all";
    public const string ApiKeysHealth = "api-keys-health";
    public const string Csrf = "csrf";
    public const string CsrfRefresh = "csrf-refresh";
    public const string PublicRead = "public-read";
    public const string AuditLog = "audit-log";
    public const string WsConnect = "ws-connect";
    public const string DirectExport = "direct-export";

    /// <summary><c>POST /exports</c>: each one queues work that may write gigabytes.</summary>
    public const string ExportJobsCreate = "export-jobs-create";

    /// <summary>The other export-job routes: status, list, cancel, delete, download (a resumed download is several requests).</summary>
    public const string ExportJobs = "export-jobs";

    /// <summary>Every <c>/admin</c> route, counted per admin.</summary>
    public const string Admin = "admin";

    /// <summary>Webhook changes: create, update, delete, rotate-secret, test, redeliver (each test or redelivery is a request to the receiver).</summary>
    public const string WebhooksChange = "webhooks-change";

    /// <summary>Reading webhook subscriptions and their deliveries.</summary>
    public const string WebhooksRead = "webhooks-read";

    /// <summary>Requests per window (one minute) from DESIGN.md; each is overridable in configuration.</summary>
    public static IReadOnlyDictionary<string, int> Defaults { get; } = new Dictionary<string, int>
    {
        [Auth] = 60,
        [PipelineRun] = 30,
        [PipelineBatch] = 10,
        [ApiKeysCreate] = 5,
        [ApiKeysRead] = 30,
        [ApiKeysChange] = 10,
        [ApiKeysRevokeAll] = 2,
        [ApiKeysHealth] = 20,
        [Csrf] = 60,
        [CsrfRefresh] = 30,
        [PublicRead] = 100,
        [AuditLog] = 20,
        [WsConnect] = 120,
        [ExportJobsCreate] = 10,
        [ExportJobs] = 60,
        [DirectExport] = 30,
        [Admin] = 60,
        [WebhooksChange] = 20,
        [WebhooksRead] = 60,
    };
}
