using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aiprod.Domain.Audit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Routing;

namespace Aiprod.Functional.Tests.Api;

/// <summary>
/// Generated bad input over every route (<see cref="BadInputRoutes"/> × <see cref="BadInputCases"/>): never a 5xx or a
/// hang; every 4xx an <c>application/problem+json</c> that says what is wrong (the OAuth endpoints answer with
/// RFC 6749 §5.2 error bodies instead); no row added or removed by a refused request, except the failure audits that
/// refusing records on purpose; and whatever an accepted request stored still reads back without a 5xx.
/// </summary>
public sealed class BadInputSuiteTests(BadInputWorld world) : IClassFixture<BadInputWorld>
{
    /// <summary>Audit events a refusal writes by design: failed logins, a lockout, failed key authentications, a wrong current password.</summary>
    private static readonly HashSet<string> FailureAudits =
    [
        "audit:" + AuditEventTypes.LoginFailed,
        "audit:" + AuditEventTypes.UserLockedOut,
        "audit:" + AuditEventTypes.ApiKeyAuthenticationFailed,
        "audit:" + AuditEventTypes.PasswordChangeFailed,
        "audit:" + AuditEventTypes.AccessTokenRefused,
        "audit:" + AuditEventTypes.AccessForbidden,
    ];

    public static TheoryData<string> Cases => new(BadInputCases.All.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void TheSuite_CoversEveryRouteOfEveryController_WithAtLeast200Cases()
    {
        var routes = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(ControllerBase).IsAssignableFrom(t) && !t.IsAbstract)
            .SelectMany(controller => controller.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly)
                .SelectMany(action => action.GetCustomAttributes<HttpMethodAttribute>()
                    .SelectMany(http => http.HttpMethods.Select(method => $"{method} {Template(controller, http.Template)}"))))
            .ToHashSet(StringComparer.Ordinal);
        var covered = BadInputRoutes.All.Select(r => $"{r.Method} {r.Template}").ToHashSet(StringComparer.Ordinal);

        Assert.Empty(routes.Except(covered));
        Assert.Empty(covered.Except(routes));
        Assert.True(BadInputCases.All.Count >= 200, $"{BadInputCases.All.Count} cases");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_IsRefusedWithAProblem_NeverA5xx_AndChangesNoRows(string name)
    {
        var @case = BadInputCases.All[name];
        await world.EnsureReadyAsync();
        var before = await world.CountRowsAsync();

        using var request = @case.Build(world);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await world.Client.SendAsync(request, timeout.Token);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        var status = (int)response.StatusCode;

        Assert.True(status < 500, $"[{name}] {status}: {body}");
        Assert.True(!@case.MustRefuse || status >= 400, $"[{name}] Bad input was accepted with {status}: {Shorten(body)}");
        if (status >= 400)
        {
            AssertSaysWhatIsWrong(@case.Route, response, status, body);
            var after = await world.CountRowsNowAsync();
            AssertNoRowChanged(before, after);
        }
        else
        {
            world.Accepted();
            foreach (var (url, readStatus, readBody) in await world.ReadBackAsync())
            {
                Assert.True((int)readStatus < 500, $"[{name}] After an accepted request, GET {url} answered {(int)readStatus}: {Shorten(readBody)}");
            }
        }
    }

    private static void AssertSaysWhatIsWrong(RouteSpec route, HttpResponseMessage response, int status, string body)
    {
        foreach (var leak in new[] { "Exception", "System.", "Microsoft.", "   at ", "SQLite", "stack" })
        {
            Assert.DoesNotContain(leak, body, StringComparison.Ordinal);
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var json = JsonNode.Parse(body)?.AsObject() ?? throw new JsonException("A 4xx without a body");
        if (route.IsOAuth && status == 400 && mediaType == "application/json")
        {
            // RFC 6749 §5.2 / RFC 7009 §2.2.1: the OAuth endpoints' own error format.
            Assert.False(string.IsNullOrEmpty(json["error"]?.GetValue<string>()), body);
            Assert.False(string.IsNullOrEmpty(json["error_description"]?.GetValue<string>()), body);
            return;
        }

        Assert.True(mediaType == "application/problem+json", $"{status} as {mediaType}: {Shorten(body)}");
        Assert.Equal(status, json["status"]?.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(json["title"]?.GetValue<string>()), body);
        Assert.False(string.IsNullOrEmpty(json["trace_id"]?.GetValue<string>()), body);
        var detail = json["detail"]?.GetValue<string>();
        var errors = json["errors"] as JsonObject;
        Assert.True(!string.IsNullOrEmpty(detail) || errors is { Count: > 0 }, $"A {status} that does not say what is wrong: {Shorten(body)}");
        if (errors is not null)
        {
            foreach (var (field, messages) in errors)
            {
                Assert.False(string.IsNullOrEmpty(field), body);
                Assert.NotEmpty(messages!.AsArray());
            }
        }
    }

    private static void AssertNoRowChanged(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after)
    {
        // The audit table is compared by event type below, so that the failure audits can be told apart. Checkpoints are
        // written by the host's sealer whenever their count or time comes, whatever the request.
        foreach (var key in before.Keys.Union(after.Keys).Where(k => k is not "table:audit_events" and not "table:audit_checkpoints"))
        {
            var was = before.GetValueOrDefault(key);
            var now = after.GetValueOrDefault(key);
            if (FailureAudits.Contains(key))
            {
                Assert.True(now >= was, $"{key} shrank from {was} to {now}");
                continue;
            }

            Assert.True(was == now, $"A refused request changed {key} from {was} to {now}");
        }
    }

    private static string Template(Type controller, string? action)
    {
        var prefix = controller.GetCustomAttribute<RouteAttribute>()?.Template ?? string.Empty;
        var template = action is null ? prefix : action.StartsWith('/') ? action : $"{prefix}/{action}".Trim('/');
        return "/" + string.Join('/', template.Trim('/').Split('/').Select(s => s.StartsWith('{') ? "{}" : s)).Trim('/');
    }

    private static string Shorten(string text) => text.Length <= 600 ? text : text[..600] + "…";
}
