using System.Net;
using System.Text;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Api;

/// <summary>
/// Log levels, key scopes and job sort orders are types inside and the same strings outside: in JSON, in query
/// strings and in stored rows. A value outside a set is a 400 that names the accepted values and stores nothing.
/// </summary>
public abstract class ClosedSetTests(IApiFixture fixture)
{
    private static readonly string[] Levels = ["debug", "info", "warning", "error"];

    /// <summary>Spellings a lenient reader would take (another case, a space, a member name, a flags list): none is a level.</summary>
    private static readonly string[] NotLevels = ["nope", "INFO", "Info", " info", "info ", "Warning", "info, warning", "debug,error", "0", ""];

    private static readonly string[] NotScopes = ["root", "JOBS:READ", "Jobs:Read", "JobsRead", "jobsread", "jobs_read", " jobs:read", "jobs:read, jobs:write", ""];

    private async Task<(HttpClient Client, string Token, string Worker, string Job)> RunningJobAsync()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var worker = await client.WorkerKeyAsync(token);
        var job = await client.SubmitAsync(token);
        Assert.Equal(job, (await client.ClaimAsync(worker))!.Str("job_id"));
        return (client, token, worker, job);
    }

    private static object LogLine(object? level) => new { lines = new[] { new { level, message = "a line" } } };

    [DatabaseFact]
    public async Task LogLevels_AreTheSameStringsInJsonAndInTheRows()
    {
        var (client, token, worker, job) = await RunningJobAsync();

        var sent = await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/logs",
            new { lines = Levels.Select(level => new { level, message = $"a {level} line" }) });

        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var details = await (await client.GetWithTokenAsync($"/pipeline/job/{job}", token)).ReadJsonAsync();
        Assert.Equal(Levels, details["logs"]!.AsArray().Select(l => l!["level"]!.GetValue<string>()));
        var stored = await fixture.Factory.WithDbAsync(db => db.Database
            .SqlQuery<string>($"SELECT Level AS Value FROM job_events WHERE Level IS NOT NULL ORDER BY Sequence").ToListAsync());
        Assert.Equal(Levels, stored);
    }

    [DatabaseFact]
    public async Task ALevelOutsideTheSet_Is400NamingTheLevels_AndNoLineIsKept()
    {
        var (client, token, worker, job) = await RunningJobAsync();

        foreach (var level in NotLevels.Cast<object?>().Append(1).Append(null))
        {
            var response = await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/logs", LogLine(level));

            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            var errors = problem["errors"]!.AsObject();
            Assert.True(errors.Count == 1, $"'{level}': {problem.ToJsonString()}");
            var message = errors["lines[0].level"]![0]!.GetValue<string>();
            Assert.True(level is null ? message.Contains("required", StringComparison.Ordinal) : message.EndsWith("debug, info, warning, error.", StringComparison.Ordinal), $"'{level}': {message}");
        }

        var details = await (await client.GetWithTokenAsync($"/pipeline/job/{job}", token)).ReadJsonAsync();
        Assert.Empty(details["logs"]!.AsArray());
    }

    [DatabaseFact]
    public async Task Scopes_AreTheSameStringsInJsonClaimsAuditAndTheRow()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var created = await client.CreateApiKeyAsync(token, new { name = "ci", scopes = new[] { "pipeline:worker", "jobs:read", "jobs:read" } });

        string[] scopes = ["jobs:read", "pipeline:worker"];
        Assert.Equal(scopes, created["api_key"]!["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        var current = await (await client.GetWithKeyAsync("/api-keys/current", created.Str("key"))).ReadJsonAsync();
        Assert.Equal(scopes, current["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/pipeline/jobs", created.Str("key"))).StatusCode);
        Assert.Equal("jobs:read pipeline:worker", await fixture.Factory.WithDbAsync(db => db.Database.SqlQuery<string>($"SELECT Scopes AS Value FROM api_keys").SingleAsync()));
        var audit = await fixture.Factory.WithDbAsync(db => db.AuditEvents.SingleAsync(e => e.EventType == "api_key.created"));
        Assert.Contains("\"scopes\":[\"jobs:read\",\"pipeline:worker\"]", audit.Details, StringComparison.Ordinal);
    }

    [DatabaseFact]
    public async Task AScopeOutsideTheSet_Is400NamingTheScopes_AndNoKeyIsMade()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        foreach (var scope in NotScopes.Cast<object?>().Append(3).Append(null))
        {
            var response = await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", token, new { name = "ci", scopes = new[] { "jobs:read", scope } });

            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            var errors = problem["errors"]!.AsObject();
            Assert.True(errors.Count == 1, $"'{scope}': {problem.ToJsonString()}");
            Assert.EndsWith("exports:read, jobs:read, jobs:write, pipeline:worker.", errors["scopes[1]"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        }

        Assert.Equal(0, await fixture.Factory.WithDbAsync(db => db.ApiKeys.CountAsync()));
    }

    [DatabaseFact]
    public async Task EverySortOrder_ListsInItsOrder()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var low = await client.SubmitAsync(token, new { content = "low", priority = "low" });
        var high = await client.SubmitAsync(token, new { content = "high", priority = "high" });
        var normal = await client.SubmitAsync(token, new { content = "normal", priority = "normal" });
        // The oldest job changes last, so the order of updates differs from the order of creation.
        await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{low}/cancel", token);

        var expected = new Dictionary<string, string[]>
        {
            [""] = [normal, high, low],
            ["-created_at"] = [normal, high, low],
            ["created_at"] = [low, high, normal],
            ["priority"] = [low, normal, high],
            ["-priority"] = [high, normal, low],
            ["updated_at"] = [high, normal, low],
            ["-updated_at"] = [low, normal, high],
        };
        foreach (var (sort, order) in expected)
        {
            var page = await (await client.GetWithTokenAsync($"/pipeline/jobs?sort={Uri.EscapeDataString(sort)}", token)).ReadJsonAsync();
            Assert.True(order.SequenceEqual(page["items"]!.AsArray().Select(j => j!["job_id"]!.GetValue<string>())), $"sort={sort}");
        }
    }

    [DatabaseFact]
    public async Task ASortOutsideTheSet_Is400NamingTheOrders()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        foreach (var sort in new[] { "nope", "Priority", "PRIORITY", " priority", "priority ", "--priority", "+priority", "CreatedAtDescending", "created_at,priority", "0" })
        {
            var response = await client.GetWithTokenAsync($"/pipeline/jobs?sort={Uri.EscapeDataString(sort)}", token);

            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            Assert.EndsWith("-created_at, created_at, priority, -priority, updated_at, -updated_at.", problem["errors"]!["sort"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [DatabaseFact]
    public async Task AHugeUnknownValue_IsNotEchoedWhole()
    {
        var (client, _, worker, job) = await RunningJobAsync();
        var huge = new StringBuilder().Append('x', 50_000).ToString();

        var response = await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/logs", LogLine(huge));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.ToJsonString().Length < 1000, $"{problem.ToJsonString().Length} characters");
        Assert.StartsWith("'" + huge[..40] + "…' is not one of", problem["errors"]!["lines[0].level"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

public sealed class SqliteClosedSetTests(SqliteApiFixture fixture) : ClosedSetTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class SqlServerClosedSetTests(SqlServerApiFixture fixture) : ClosedSetTests(fixture), IClassFixture<SqlServerApiFixture>;
