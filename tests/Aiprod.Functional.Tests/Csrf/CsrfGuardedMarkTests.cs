using System.Reflection;
using Aiprod.Api.Controllers;
using Aiprod.Api.Csrf;
using Aiprod.Api.OpenApi;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Routing;

namespace Aiprod.Functional.Tests.Csrf;

/// <summary>
/// The <see cref="CsrfGuard"/> throws (a 500) on a route that runs its checks without <see cref="CsrfGuardedAttribute"/>
/// saying so, and the OpenAPI document names the CSRF refusals on every marked route. Both are read here from the
/// actions' IL, before any request: an action that runs a check is marked with exactly the checks it runs, so no
/// refusal can become a 500 on a path no test walks, and no route's document names refusals it never answers.
/// </summary>
public sealed class CsrfGuardedMarkTests
{
    private static IEnumerable<MethodInfo> Actions() => typeof(ApiControllerBase).Assembly.GetTypes()
        .Where(t => typeof(ControllerBase).IsAssignableFrom(t) && !t.IsAbstract)
        .SelectMany(t => t.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly))
        .Where(m => m.GetCustomAttributes<HttpMethodAttribute>().Any());

    /// <summary>The checks an action runs, read from the guard's methods it reaches; null when it runs none.</summary>
    private static CsrfChecks? ChecksRun(MethodInfo action)
    {
        var guard = ConstructedTypes.Called(action).Where(m => m.DeclaringType == typeof(CsrfGuard)).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        return guard.Contains(nameof(CsrfGuard.GuardAsync)) ? CsrfChecks.SiteAndToken
            : guard.Contains(nameof(CsrfGuard.GuardSite)) ? CsrfChecks.Site
            : null;
    }

    [Fact]
    public void EveryActionThatRunsTheGuard_IsMarkedWithTheChecksItRuns()
    {
        var found = Actions()
            .Select(a => (Action: $"{a.DeclaringType!.Name}.{a.Name}", Runs: ChecksRun(a), Marked: a.GetCustomAttribute<CsrfGuardedAttribute>()?.Checks))
            .Where(a => a.Runs is not null || a.Marked is not null)
            .ToList();

        // The scan sees the guard at all: the login runs the site check, the cookie refresh both.
        Assert.Contains(found, a => a.Action == $"{nameof(AuthController)}.{nameof(AuthController.Login)}" && a.Runs == CsrfChecks.Site);
        Assert.Contains(found, a => a.Action == $"{nameof(AuthController)}.{nameof(AuthController.Refresh)}" && a.Runs == CsrfChecks.SiteAndToken);
        Assert.All(found, a => Assert.True(a.Runs == a.Marked, $"{a.Action} runs the CSRF checks {a.Runs?.ToString() ?? "(none)"} but is marked {a.Marked?.ToString() ?? "(none)"}."));
    }
}
