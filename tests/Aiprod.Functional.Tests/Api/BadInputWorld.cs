using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Aiprod.Domain.Jobs;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.ApiKeys;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Api;

/// <summary>
/// One API host with every kind of caller the routes need: users, an admin, a jobs key, a worker key, and a job the
/// worker holds. The clock is fake and never moves, so no lease lapses and no background flush runs by itself
/// while a case counts rows.
/// </summary>
public sealed class BadInputWorld : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";

    /// <summary>Shaped like a refresh token, known to nobody.</summary>
    public const string UnknownToken = "rt_5pKd8mW2xQ9vN4bL7cR1tY6uE3oI0aS8dF2gH5jK9lZ";

    private readonly Dictionary<Caller, string> tokens = [];
    private IReadOnlyDictionary<string, long>? lastCounts;
    private int emails;

    public BadInputWorld()
    {
        Clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        Factory = new AiprodApiFactory(clock: Clock);
    }

    public FakeTimeProvider Clock { get; }

    public AiprodApiFactory Factory { get; }

    public HttpClient Client { get; private set; } = null!;

    public string LoginEmail => "login@example.com";

    public string JobsKey { get; private set; } = string.Empty;

    public string WorkerKey { get; private set; } = string.Empty;

    public JobId RunningJobId { get; private set; }

    /// <summary>An answer was 2xx since the credentials and the running job were last checked.</summary>
    public bool MaybeChanged { get; private set; }

    /// <summary>A request was accepted: it may have ended a session or the running job, and it changed rows.</summary>
    public void Accepted()
    {
        MaybeChanged = true;
        lastCounts = null;
    }

    public string FreshEmail() => $"new-{Interlocked.Increment(ref emails)}@example.com";

    private static string EmailOf(Caller caller) => $"{caller.ToString().ToLowerInvariant()}@example.com";

    public async ValueTask InitializeAsync()
    {
        Client = Factory.CreateClient();
        foreach (var caller in new[] { Caller.Owner, Caller.Account, Caller.PasswordUser, Caller.Admin })
        {
            await Client.RegisterAsync(EmailOf(caller));
        }

        await Client.RegisterAsync(LoginEmail);
        await JobTestKit.PromoteAsync(Factory, EmailOf(Caller.Admin));
        foreach (var caller in new[] { Caller.Owner, Caller.Account, Caller.PasswordUser, Caller.Admin })
        {
            tokens[caller] = await Client.LoginAsync(EmailOf(caller));
        }

        JobsKey = (await Client.CreateApiKeyAsync(tokens[Caller.Owner], new { name = "jobs", scopes = new[] { "jobs:read", "jobs:write" } })).Str("key");
        WorkerKey = await Client.WorkerKeyAsync(tokens[Caller.Owner]);
        await EnsureRunningJobAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }

    /// <summary>Adds the caller's credentials to a request.</summary>
    public void Authenticate(HttpRequestMessage request, Caller caller)
    {
        switch (caller)
        {
            case Caller.Anonymous:
                break;
            case Caller.JobsKey:
                request.Headers.Add("X-API-Key", JobsKey);
                break;
            case Caller.WorkerKey:
                request.Headers.Add("X-API-Key", WorkerKey);
                break;
            default:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[caller]);
                break;
        }
    }

    public string TokenOf(Caller caller) => tokens[caller];

    public string CredentialOf(Caller caller) => caller switch
    {
        Caller.JobsKey => JobsKey,
        Caller.WorkerKey => WorkerKey,
        _ => tokens[caller],
    };

    /// <summary>After an accepted request: log in again where a session ended, and hold a running job again.</summary>
    public async Task EnsureReadyAsync()
    {
        if (!MaybeChanged)
        {
            return;
        }

        foreach (var caller in tokens.Keys.ToList())
        {
            if ((await Client.GetWithTokenAsync("/auth/me", tokens[caller])).StatusCode != HttpStatusCode.OK)
            {
                tokens[caller] = await Client.LoginAsync(EmailOf(caller));
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await Client.GetWithKeyAsync("/api-keys/current", JobsKey)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetWithKeyAsync("/api-keys/current", WorkerKey)).StatusCode);
        await EnsureRunningJobAsync();
        MaybeChanged = false;
    }

    private async Task EnsureRunningJobAsync()
    {
        if (RunningJobId != default)
        {
            var response = await Client.GetWithTokenAsync($"/pipeline/job/{RunningJobId}", tokens[Caller.Owner]);
            if (response.StatusCode == HttpStatusCode.OK && (await response.ReadJsonAsync()).Str("status") == "running")
            {
                return;
            }
        }

        await Client.SubmitAsync(tokens[Caller.Owner]);
        var claimed = await Client.ClaimAsync(WorkerKey, 600) ?? throw new InvalidOperationException("The worker found no job to claim.");
        RunningJobId = new JobId(Guid.Parse(claimed.Str("job_id")));
    }

    /// <summary>Reads back what an accepted request may have stored: a stored value that breaks a read is a defect too.</summary>
    public async Task<IReadOnlyList<(string Url, HttpStatusCode Status, string Body)>> ReadBackAsync()
    {
        var answers = new List<(string, HttpStatusCode, string)>();
        async Task ReadAsync(string url, Caller caller)
        {
            var response = await Client.GetWithTokenAsync(url, tokens[caller]);
            answers.Add((url, response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        await ReadAsync("/pipeline/jobs?limit=3&sort=-updated_at", Caller.Owner);
        if (answers[0].Item2 == HttpStatusCode.OK)
        {
            foreach (var item in JsonNode.Parse(answers[0].Item3)!["items"]!.AsArray())
            {
                await ReadAsync($"/pipeline/job/{item!["job_id"]}", Caller.Owner);
            }
        }

        await ReadAsync("/auth/me", Caller.Owner);
        await ReadAsync("/api-keys?include_inactive=true", Caller.Account);
        return answers;
    }

    /// <summary>
    /// The rows of every table of the model, and audit events by type. Pending failed-key audits are written first, so
    /// what a request buffered is counted against that request.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> CountRowsAsync()
    {
        // Nothing writes between a refused request and the next case (the clock stands still), so the count taken
        // after the last refusal is this case's count before.
        return lastCounts ?? await CountRowsNowAsync();
    }

    /// <summary>Counts again, after a request.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountRowsNowAsync()
    {
        await Factory.Services.GetRequiredService<ApiKeyUsageFlusher>().FlushAsync(CancellationToken.None);
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var tables = db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().Distinct().ToList();
        // One query for every table: "SELECT COUNT(*) FROM a UNION ALL SELECT COUNT(*) FROM b ...", in the model's order.
        var sql = string.Join(" UNION ALL ", tables.Select((t, i) => $"SELECT {i} AS \"Key\", COUNT(*) AS \"Count\" FROM \"{t}\""));
#pragma warning disable EF1002 // table names come from the model, not from input
        foreach (var row in await db.Database.SqlQueryRaw<TableCount>(sql).ToListAsync())
#pragma warning restore EF1002
        {
            counts["table:" + tables[row.Key]] = row.Count;
        }

        lastCounts = counts;
        foreach (var group in await db.AuditEvents.GroupBy(e => e.EventType).Select(g => new { g.Key, Count = g.LongCount() }).ToListAsync())
        {
            counts["audit:" + group.Key] = group.Count;
        }

        return counts;
    }

    private sealed record TableCount(int Key, long Count);
}
