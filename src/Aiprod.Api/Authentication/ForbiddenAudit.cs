using Aiprod.Api.Auditing;
using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Api.Authentication;

/// <summary>
/// Audits the 403s authorization produces (<c>access.forbidden</c>): an authenticated caller, by access token or API
/// key, that an endpoint's policy refuses (the admin role, a key's scope). The one place both schemes pass; the answer
/// itself is the default handler's. CSRF refusals and the 403s handlers return as results are not produced here.
/// </summary>
internal sealed class ForbiddenAudit(RefusalAudit audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler inner = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            Record(context, authorizeResult.AuthorizationFailure);
        }

        return inner.HandleAsync(next, context, policy, authorizeResult);
    }

    private void Record(HttpContext context, AuthorizationFailure? failure)
    {
        var endpoint = context.GetEndpoint();
        var policies = endpoint?.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct(StringComparer.Ordinal).ToList() ?? [];
        var failed = failure?.FailedRequirements.ToList() ?? [];
        var roles = failed.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).Distinct(StringComparer.Ordinal).ToList();
        var scopes = failed.OfType<ClaimsAuthorizationRequirement>()
            .Where(r => r.ClaimType == ApiKeyAuthenticationHandler.ScopeClaim)
            .SelectMany(r => r.AllowedValues ?? [])
            .ToList();
        if (failed.OfType<AssertionRequirement>().Any())
        {
            // A scope policy's test is an assertion (a token passes, a key needs the scope): its name says the scope.
            scopes.AddRange(policies.Select(ScopePolicies.ScopeOf).OfType<ApiKeyScope>().Select(EnumNames.Of)
                .Where(s => !context.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, s)));
        }

        var reason = roles.Count > 0 ? "role_required" : scopes.Count > 0 ? "scope_required" : "policy_failed";
        var details = new List<KeyValuePair<string, object?>>
        {
            new("route", (endpoint as RouteEndpoint)?.RoutePattern.RawText),
            new("policies", policies),
        };
        if (roles.Count > 0)
        {
            details.Add(new("required_roles", roles));
        }

        if (scopes.Count > 0)
        {
            details.Add(new("required_scopes", scopes.Distinct(StringComparer.Ordinal).ToList()));
        }

        var user = context.User.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
        var key = context.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)?.Value;
        // A key acts for its owner: the key is the actor, the owner the target, so the owner reads it in their log.
        audit.Refused(context, new Refusal(AuditEventTypes.AccessForbidden, reason)
        {
            ActorKind = key is null ? ActorKind.User : ActorKind.ApiKey,
            ActorId = key ?? user,
            Target = key is null ? null : user,
            Details = details,
        });
    }
}
