using System.Text.Json.Nodes;

namespace Aiprod.Functional.Tests.Api;

/// <summary>Who sends a request: the credentials the bad-input world holds for each kind of caller.</summary>
public enum Caller
{
    Anonymous,

    /// <summary>Owns the jobs and the keys; never ends its own sessions.</summary>
    Owner,

    /// <summary>Manages API keys and sessions, so nothing it does can break the owner's credentials.</summary>
    Account,

    /// <summary>Only for change-password: its wrong current passwords lock it, and nobody else.</summary>
    PasswordUser,

    Admin,

    /// <summary>An API key of the owner with jobs:read and jobs:write.</summary>
    JobsKey,

    /// <summary>An API key of the owner with pipeline:worker.</summary>
    WorkerKey,
}

public enum BodyKind
{
    None,
    Json,

    /// <summary>A JSON body the action declares nullable: an empty body is a valid request.</summary>
    OptionalJson,
    Form,
}

public enum FieldKind
{
    Text,
    WholeNumber,
    LongNumber,
    Bool,
    Enum,
    TextList,
    LogLines,
    AnyJson,

    /// <summary>A GUID in its string form (a worker report's <c>claim_id</c>).</summary>
    Uuid,
}

/// <summary>One field of a body. <paramref name="Bounded"/>: the field has an accepted range, so int.MaxValue and -1 are refused.</summary>
public sealed record FieldSpec(string Name, FieldKind Kind, bool Required, bool Bounded = true);

/// <summary>
/// A query parameter and values that must be refused (<c>true</c>) or may be accepted (<c>false</c>).
/// <paramref name="TakesText"/>: free text (a search term), so non-ASCII is a valid value, not bad input.
/// </summary>
public sealed record QuerySpec(string Name, IReadOnlyList<(string Value, bool MustRefuse)> Values, bool TakesText = false);

/// <summary>
/// One route of the API as a caller uses it: the placeholders <c>{job}</c> (the running job) and <c>{id}</c> (a GUID
/// nobody owns) in the path, the body shape and a valid body, and the query parameters.
/// </summary>
public sealed record RouteSpec(
    string Method,
    string Path,
    Caller Caller,
    BodyKind Body = BodyKind.None,
    Func<BadInputWorld, JsonObject>? ValidBody = null,
    IReadOnlyList<FieldSpec>? Fields = null,
    IReadOnlyList<QuerySpec>? Query = null,
    Caller? WrongCaller = null)
{
    public string Name => $"{Method} {Path}";

    public IReadOnlyList<FieldSpec> FieldList => Fields ?? [];

    /// <summary>The controller route template this spec exercises, with route parameters reduced to <c>{}</c>.</summary>
    public string Template => string.Join('/', Path.Split('/').Select(s => s.StartsWith('{') ? "{}" : s));

    public bool IsOAuth => Path.StartsWith("/connect/", StringComparison.Ordinal);
}

/// <summary>Every route of the API, with what it takes.</summary>
public static class BadInputRoutes
{
    private static readonly (string, bool)[] BadLimits = [("abc", true), ("0", true), ("101", true), ("-1", true), ("1e3", true), ("99999999999", true), ("1.5", true), ("", false), ("20", false)];

    public static IReadOnlyList<RouteSpec> All { get; } =
    [
        // Accounts and tokens
        new("POST", "/auth/register", Caller.Anonymous, BodyKind.Json,
            w => new JsonObject { ["email"] = w.FreshEmail(), ["password"] = BadInputWorld.Password, ["display_name"] = "Ann" },
            [new("email", FieldKind.Text, true), new("password", FieldKind.Text, true), new("display_name", FieldKind.Text, false)]),
        new("POST", "/auth/login", Caller.Anonymous, BodyKind.Json,
            w => new JsonObject { ["email"] = w.LoginEmail, ["password"] = BadInputWorld.Password },
            [new("email", FieldKind.Text, true), new("password", FieldKind.Text, true), new("refresh_token_delivery", FieldKind.Enum, false)]),
        // Without the browser-mode cookie (the suite sends none), a refresh or logout without a token is refused.
        new("POST", "/auth/refresh", Caller.Anonymous, BodyKind.Json,
            _ => new JsonObject { ["refresh_token"] = BadInputWorld.UnknownToken },
            [new("refresh_token", FieldKind.Text, true), new("refresh_token_delivery", FieldKind.Enum, false)]),
        new("POST", "/auth/logout", Caller.Anonymous, BodyKind.Json,
            _ => new JsonObject { ["refresh_token"] = BadInputWorld.UnknownToken },
            [new("refresh_token", FieldKind.Text, true)]),
        new("POST", "/auth/revoke", Caller.Account, BodyKind.Json,
            _ => new JsonObject { ["refresh_token"] = BadInputWorld.UnknownToken },
            [new("refresh_token", FieldKind.Text, true)], WrongCaller: Caller.JobsKey),
        new("GET", "/auth/token-info", Caller.Owner),
        new("GET", "/auth/sessions", Caller.Owner),
        new("DELETE", "/auth/sessions/{id}", Caller.Account),
        new("POST", "/auth/logout-all", Caller.Account),
        new("POST", "/auth/change-password", Caller.PasswordUser, BodyKind.Json,
            // The current password is wrong on purpose: no mutation may change the password and end the sessions.
            _ => new JsonObject { ["current_password"] = "not the current password", ["new_password"] = "a brand new passphrase" },
            [new("current_password", FieldKind.Text, true), new("new_password", FieldKind.Text, true)]),
        new("GET", "/auth/me", Caller.Owner, WrongCaller: Caller.JobsKey),

        // CSRF (browser mode); a bearer caller has a session, so these reach their checks.
        new("GET", "/security/csrf-token", Caller.Owner),
        new("POST", "/security/csrf-verify", Caller.Owner, BodyKind.OptionalJson,
            _ => new JsonObject { ["csrf_token"] = "not-a-token" },
            [new("csrf_token", FieldKind.Text, false)]),
        new("POST", "/security/csrf-refresh", Caller.Owner),

        // OAuth 2.0
        new("POST", "/connect/token", Caller.Anonymous, BodyKind.Form,
            _ => new JsonObject { ["grant_type"] = "refresh_token", ["refresh_token"] = BadInputWorld.UnknownToken },
            [new("grant_type", FieldKind.Text, true), new("refresh_token", FieldKind.Text, true)]),
        new("POST", "/connect/revocation", Caller.Anonymous, BodyKind.Form,
            _ => new JsonObject { ["token"] = BadInputWorld.UnknownToken, ["token_type_hint"] = "refresh_token" },
            [new("token", FieldKind.Text, true), new("token_type_hint", FieldKind.Text, false)]),
        new("POST", "/connect/introspect", Caller.Owner, BodyKind.Form,
            _ => new JsonObject { ["token"] = BadInputWorld.UnknownToken, ["token_type_hint"] = "access_token" },
            [new("token", FieldKind.Text, true), new("token_type_hint", FieldKind.Text, false)]),

        // API keys
        new("POST", "/api-keys/create", Caller.Account, BodyKind.Json,
            _ => new JsonObject { ["name"] = "bad input key", ["scopes"] = new JsonArray("jobs:read"), ["expires_in_days"] = 30 },
            [new("name", FieldKind.Text, true), new("scopes", FieldKind.TextList, false), new("expires_in_days", FieldKind.WholeNumber, false)],
            WrongCaller: Caller.JobsKey),
        new("GET", "/api-keys", Caller.Account,
            Query: [new("include_inactive", [("maybe", true), ("2", true), ("yes", true), ("", false), ("true", false)])]),
        new("POST", "/api-keys/{id}/rotate", Caller.Account, BodyKind.OptionalJson,
            _ => new JsonObject { ["grace_period_seconds"] = 60 },
            [new("grace_period_seconds", FieldKind.WholeNumber, false)]),
        new("POST", "/api-keys/{id}/revoke", Caller.Account, BodyKind.OptionalJson,
            _ => new JsonObject { ["reason"] = "no longer needed" },
            [new("reason", FieldKind.Text, false)]),
        new("POST", "/api-keys/revoke-all", Caller.Account, BodyKind.Json,
            _ => new JsonObject { ["confirm"] = true, ["reason"] = "spring cleaning" },
            [new("confirm", FieldKind.Bool, true), new("reason", FieldKind.Text, false)], WrongCaller: Caller.JobsKey),
        new("GET", "/api-keys/stats", Caller.Account),
        new("GET", "/api-keys/health", Caller.Account),
        new("GET", "/api-keys/current", Caller.JobsKey, WrongCaller: Caller.Owner),

        // Pipeline jobs
        new("POST", "/pipeline/run", Caller.Owner, BodyKind.Json,
            _ => new JsonObject { ["content"] = "A teaser", ["preset"] = "quick_social", ["priority"] = "low", ["lang"] = "en", ["duration_sec"] = 30 },
            [new("content", FieldKind.Text, true), new("preset", FieldKind.Enum, false), new("priority", FieldKind.Enum, false),
             new("lang", FieldKind.Text, false), new("duration_sec", FieldKind.WholeNumber, false)], WrongCaller: Caller.WorkerKey),
        new("GET", "/pipeline/job/{job}", Caller.JobsKey, WrongCaller: Caller.WorkerKey),
        new("GET", "/pipeline/jobs", Caller.Owner, Query:
        [
            new("status", [("nope", true), ("5", true), ("Queued", true), ("running", false)]),
            new("preset", [("nope", true), ("0", true), ("QuickSocial", true)]),
            new("created_from", [("yesterday", true), ("2024-13-45", true), ("99999-01-01", true), ("0001-01-01T00:00:00+14:00", false), ("9999-12-31T23:59:59Z", false)]),
            new("created_to", [("not a date", true), ("0001-01-01T00:00:00Z", false)]),
            new("sort", [("nope", true), ("-", true), ("created_at; DROP TABLE users", true), ("priority", false)]),
            new("limit", BadLimits),
            new("offset", [("-1", true), ("abc", true), ("99999999999", true), ("2147483647", false)]),
        ], WrongCaller: Caller.WorkerKey),
        new("POST", "/pipeline/job/{id}/cancel", Caller.Owner, WrongCaller: Caller.WorkerKey),
        new("POST", "/pipeline/batch", Caller.Owner, BodyKind.Json,
            _ => new JsonObject { ["jobs"] = new JsonArray(new JsonObject { ["content"] = "A teaser", ["preset"] = "quick_social", ["duration_sec"] = 30 }) },
            WrongCaller: Caller.WorkerKey),
        new("POST", "/pipeline/jobs/cancel", Caller.Owner, BodyKind.Json,
            _ => new JsonObject { ["job_ids"] = new JsonArray(Guid.NewGuid().ToString()) },
            [new("job_ids", FieldKind.TextList, true)], WrongCaller: Caller.WorkerKey),

        // Direct exports: a key without exports:read is the wrong caller
        new("GET", "/export/formats", Caller.Anonymous),
        new("GET", "/pipeline/{job}/export", Caller.Owner, Query:
        [
            new("format", [("xml", true), ("JSON", true), ("1", true), ("csv,json", true), ("csv", false), ("zip", false)]),
            new("bom", [("maybe", true), ("2", true), ("true", false)]),
        ], WrongCaller: Caller.JobsKey),
        new("GET", "/jobs/export", Caller.Owner, Query:
        [
            new("format", [("xlsx", true), ("Csv", true), ("0", true), ("jsonl", false)]),
            new("status", [("nope", true), ("Queued", true), ("running", false)]),
            new("preset", [("nope", true), ("0", true)]),
            new("created_from", [("yesterday", true), ("2024-13-45", true), ("9999-12-31T23:59:59Z", false)]),
            new("created_to", [("not a date", true), ("0001-01-01T00:00:00Z", false)]),
            new("bom", [("yes", true), ("false", false)]),
        ], WrongCaller: Caller.JobsKey),

        // Export jobs: a key without exports:read is the wrong caller
        new("POST", "/exports", Caller.Owner, BodyKind.Json,
            _ => new JsonObject { ["format"] = "csv", ["filters"] = new JsonObject { ["status"] = "completed" }, ["bom"] = true, ["columns"] = new JsonArray("job_id", "status") },
            [new("format", FieldKind.Enum, true), new("job_ids", FieldKind.TextList, false), new("bom", FieldKind.Bool, false)], WrongCaller: Caller.JobsKey),
        new("GET", "/exports", Caller.Owner, Query:
        [
            new("status", [("nope", true), ("Succeeded", true), ("3", true), ("expired", false)]),
            new("limit", BadLimits),
            new("offset", [("-1", true), ("abc", true), ("99999999999", true), ("2147483647", false)]),
        ], WrongCaller: Caller.JobsKey),
        new("GET", "/exports/{id}", Caller.Owner, WrongCaller: Caller.JobsKey),
        new("POST", "/exports/{id}/cancel", Caller.Owner, WrongCaller: Caller.JobsKey),
        new("DELETE", "/exports/{id}", Caller.Owner, WrongCaller: Caller.JobsKey),
        new("GET", "/exports/{id}/download", Caller.Owner, WrongCaller: Caller.JobsKey),
        new("HEAD", "/exports/{id}/download", Caller.Owner, WrongCaller: Caller.JobsKey),

        // Webhooks: access tokens only, so a key is the wrong caller
        new("POST", "/webhooks", Caller.Owner, BodyKind.Json,
            _ => new JsonObject { ["url"] = "https://hooks.example.invalid/aiprod", ["events"] = new JsonArray("job.completed", "api_key.revoked"), ["description"] = "ci" },
            [new("url", FieldKind.Text, true), new("events", FieldKind.TextList, true), new("description", FieldKind.Text, false)], WrongCaller: Caller.JobsKey),
        new("GET", "/webhooks", Caller.Owner, WrongCaller: Caller.JobsKey),
        new("GET", "/webhooks/{id}", Caller.Owner, WrongCaller: Caller.JobsKey),
        new("PATCH", "/webhooks/{id}", Caller.Owner, BodyKind.Json,
            _ => new JsonObject { ["description"] = "renamed", ["enabled"] = true },
            [new("url", FieldKind.Text, false), new("events", FieldKind.TextList, false), new("description", FieldKind.Text, false), new("enabled", FieldKind.Bool, false)],
            WrongCaller: Caller.JobsKey),
        new("DELETE", "/webhooks/{id}", Caller.Owner, WrongCaller: Caller.JobsKey),
        new("POST", "/webhooks/{id}/rotate-secret", Caller.Owner, BodyKind.OptionalJson,
            _ => new JsonObject { ["revoke_previous"] = false },
            [new("revoke_previous", FieldKind.Bool, false)], WrongCaller: Caller.JobsKey),
        new("POST", "/webhooks/{id}/test", Caller.Owner, WrongCaller: Caller.JobsKey),
        new("GET", "/webhooks/{id}/deliveries", Caller.Owner, Query:
        [
            new("status", [("nope", true), ("Pending", true), ("3", true), ("failed", false)]),
            new("limit", BadLimits),
        ], WrongCaller: Caller.JobsKey),
        new("POST", "/webhooks/{id}/deliveries/{id}/redeliver", Caller.Owner, WrongCaller: Caller.JobsKey),

        // The worker protocol
        new("POST", "/pipeline/worker/claim", Caller.WorkerKey, BodyKind.OptionalJson,
            _ => new JsonObject { ["lease_seconds"] = 120 },
            [new("lease_seconds", FieldKind.WholeNumber, false)], WrongCaller: Caller.JobsKey),
        new("POST", "/pipeline/worker/jobs/{job}/progress", Caller.WorkerKey, BodyKind.Json,
            _ => new JsonObject { ["progress"] = 40, ["message"] = "Rendering scene 2 of 5" },
            [new("progress", FieldKind.WholeNumber, true), new("message", FieldKind.Text, false), new("claim_id", FieldKind.Uuid, false)], WrongCaller: Caller.JobsKey),
        new("POST", "/pipeline/worker/jobs/{job}/logs", Caller.WorkerKey, BodyKind.Json,
            _ => new JsonObject { ["lines"] = new JsonArray(new JsonObject { ["level"] = "info", ["message"] = "Loaded weights" }) },
            [new("lines", FieldKind.LogLines, true), new("claim_id", FieldKind.Uuid, false)], WrongCaller: Caller.JobsKey),
        new("POST", "/pipeline/worker/jobs/{job}/complete", Caller.WorkerKey, BodyKind.Json,
            _ => new JsonObject { ["output"] = new JsonObject { ["video_url"] = "s3://bucket/job.mp4" }, ["execution_time_ms"] = 93500 },
            [new("output", FieldKind.AnyJson, true), new("execution_time_ms", FieldKind.LongNumber, false, Bounded: false), new("claim_id", FieldKind.Uuid, false)], WrongCaller: Caller.JobsKey),
        new("POST", "/pipeline/worker/jobs/{job}/fail", Caller.WorkerKey, BodyKind.Json,
            _ => new JsonObject { ["error_message"] = "CUDA out of memory", ["execution_time_ms"] = 1000 },
            [new("error_message", FieldKind.Text, true), new("execution_time_ms", FieldKind.LongNumber, false, Bounded: false), new("claim_id", FieldKind.Uuid, false)], WrongCaller: Caller.JobsKey),

        // Administration, live updates, operations
        new("GET", "/admin/users", Caller.Admin, Query:
        [
            new("email", [(new string('e', 300), true), ("\u0001", true), ("ann", false), ("ANN@", false), ("%_", false)], TakesText: true),
            new("role", [("nope", true), ("Admin", true), ("1", true), ("admin", false)]),
            new("status", [("nope", true), ("Locked", true), ("2", true), ("locked", false)]),
            new("after", [("nope", true), ("ZTE", true), ("", false)]),
            new("limit", BadLimits),
        ], WrongCaller: Caller.Owner),
        new("GET", "/admin/users/{id}", Caller.Admin, WrongCaller: Caller.Owner),
        new("POST", "/admin/users/{id}/disable", Caller.Admin, BodyKind.Json, 
            _ => new JsonObject { ["reason"] = "support ticket 4711" }, [new("reason", FieldKind.Text, true)], WrongCaller: Caller.Owner),
        new("POST", "/admin/users/{id}/enable", Caller.Admin, BodyKind.Json, 
            _ => new JsonObject { ["reason"] = "support ticket 4711" }, [new("reason", FieldKind.Text, true)], WrongCaller: Caller.Owner),
        new("POST", "/admin/users/{id}/unlock", Caller.Admin, BodyKind.Json, 
            _ => new JsonObject { ["reason"] = "support ticket 4711" }, [new("reason", FieldKind.Text, true)], WrongCaller: Caller.Owner),
        new("POST", "/admin/users/{id}/role", Caller.Admin, BodyKind.Json,
            _ => new JsonObject { ["role"] = "admin", ["reason"] = "joins the operations team" },
            [new("role", FieldKind.Enum, true), new("reason", FieldKind.Text, true)], WrongCaller: Caller.Owner),
        new("GET", "/admin/users/{id}/sessions", Caller.Admin, WrongCaller: Caller.Owner),
        new("DELETE", "/admin/users/{id}/sessions/{id}", Caller.Admin, Query:
        [
            new("reason", [(new string('r', 501), true), ("", true), ("   ", true), ("stolen laptop", false)], TakesText: true),
        ], WrongCaller: Caller.Owner),
        new("GET", "/admin/users/{id}/api-keys", Caller.Admin, WrongCaller: Caller.Owner),
        new("POST", "/admin/api-keys/{id}/revoke", Caller.Admin, BodyKind.Json, 
            _ => new JsonObject { ["reason"] = "support ticket 4711" }, [new("reason", FieldKind.Text, true)], WrongCaller: Caller.Owner),
        new("GET", "/admin/users/{id}/exports", Caller.Admin, Query:
        [
            new("status", [("nope", true), ("Queued", true), ("queued", false)]),
            new("limit", BadLimits),
            new("offset", [("-1", true), ("abc", true), ("0", false)]),
        ], WrongCaller: Caller.Owner),
        new("POST", "/admin/exports/{id}/cancel", Caller.Admin, BodyKind.Json,
            _ => new JsonObject { ["reason"] = "support ticket 4711" }, [new("reason", FieldKind.Text, true)], WrongCaller: Caller.Owner),
        new("GET", "/admin/users/{id}/webhooks", Caller.Admin, WrongCaller: Caller.Owner),
        new("POST", "/admin/webhooks/{id}/disable", Caller.Admin, BodyKind.Json,
            _ => new JsonObject { ["reason"] = "support ticket 4711" }, [new("reason", FieldKind.Text, true)], WrongCaller: Caller.Owner),
        new("GET", "/admin/jobs/overview", Caller.Admin, WrongCaller: Caller.Owner),
        new("GET", "/admin/jobs", Caller.Admin, Query:
        [
            new("owner_id", [("nope", true), ("12345", true), ("00000000-0000-0000-0000-000000000001", false)]),
            new("owner_email", [("nope", true), (new string('e', 300) + "@example.com", true), ("ann@example.com", false)]),
            new("status", [("nope", true), ("Queued", true), ("running", false)]),
            new("preset", [("nope", true), ("0", true)]),
            new("created_from", [("yesterday", true), ("9999-12-31T23:59:59Z", false)]),
            new("sort", [("nope", true), ("-priority", false)]),
            new("limit", BadLimits),
            new("offset", [("-1", true), ("abc", true), ("0", false)]),
        ], WrongCaller: Caller.Owner),
        new("POST", "/admin/jobs/{id}/cancel", Caller.Admin, BodyKind.Json, 
            _ => new JsonObject { ["reason"] = "support ticket 4711" }, [new("reason", FieldKind.Text, true)], WrongCaller: Caller.Owner),
        new("POST", "/admin/jobs/{id}/requeue", Caller.Admin, BodyKind.Json, 
            _ => new JsonObject { ["reason"] = "support ticket 4711" }, [new("reason", FieldKind.Text, true)], WrongCaller: Caller.Owner),
        new("GET", "/ws/job/{job}", Caller.Owner, Query: [new("last_event_id", [("abc", true), ("1e30", true), ("99999999999999999999", true)])]),
        new("GET", "/ws/export/{id}", Caller.Owner, WrongCaller: Caller.JobsKey),
        new("GET", "/ws/stats", Caller.Admin, WrongCaller: Caller.Owner),

        // The audit log
        new("GET", "/security/audit-log", Caller.Owner, Query:
        [
            new("type", [("login", true), ("Login.Failed", true), ("*", true), (".*", true), ("login.failed", false), ("api_key.*", false)]),
            new("outcome", [("nope", true), ("Success", true), ("1", true), ("failure", false)]),
            new("since", [("yesterday", true), ("2024-13-45", true), ("0001-01-01T00:00:00Z", false)]),
            new("until", [("not a date", true), ("9999-12-31T23:59:59Z", false)]),
            new("after", [("nope", true), ("", false), ("ZTA", true), ("YzE", true), ("ZTE", false)]),
            new("limit", BadLimits),
            new("target", [(new string('t', 300), true), ("someone", false)]),
        ]),
        new("GET", "/security/audit-log/checkpoints", Caller.Owner, Query:
        [
            new("after", [("nope", true), ("ZTE", true), ("YzE", false)]),
            new("limit", BadLimits),
        ]),
        new("GET", "/security/audit-log/verify", Caller.Admin, WrongCaller: Caller.Owner),
        new("GET", "/", Caller.Anonymous),
        new("GET", "/health", Caller.Anonymous),
        new("GET", "/health/ready", Caller.Anonymous),
        new("GET", "/.well-known/jwks.json", Caller.Anonymous),
        new("GET", "/security/headers", Caller.Anonymous),
        new("GET", "/security/policy", Caller.Anonymous),
    ];
}
