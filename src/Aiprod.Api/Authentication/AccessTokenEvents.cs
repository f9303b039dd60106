using Aiprod.Api.Auditing;
using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Sessions;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Api.Authentication;

/// <summary>What runs on each request for access tokens (JWT bearer events) and picks the scheme a request's headers name.</summary>
internal static class AccessTokenEvents
{
    /// <summary>Browsers cannot set headers on a WebSocket handshake: there, the token may come in the URL.</summary>
    public static Task ReadTokenFromSocketUrl(MessageReceivedContext ctx)
    {
        if (ctx.Request.Path.StartsWithSegments("/ws") && ctx.Request.Query.TryGetValue("access_token", out var token))
        {
            ctx.Token = token;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Every request, cached validation or not: a token whose session (refresh-token family) was revoked by a
    /// logout, a password change, a reuse detection or an admin is refused. A dictionary look-up, no database.
    /// </summary>
    public static Task RejectRevokedSessions(TokenValidatedContext context)
    {
        var sid = context.Principal?.FindFirst(AccessTokenClaimTypes.Session)?.Value;
        // The token passed full validation (signature, issuer, audience, lifetime) before this event: its subject is
        // one of ours, safe to name in the refusal's audit row.
        var subject = Guid.TryParse(context.Principal?.FindFirst(JwtRegisteredClaimNames.Sub)?.Value, out var user) ? user.ToString() : null;
        if (!Guid.TryParse(sid, out var parsed))
        {
            context.Fail(new SessionlessTokenException { Subject = subject });
            return Task.CompletedTask;
        }

        if (context.HttpContext.RequestServices.GetRequiredService<ISessionRevocations>().IsRevoked(new SessionId(parsed)))
        {
            context.Fail(new SessionRevokedException { Subject = subject, Session = parsed.ToString() });
        }

        return Task.CompletedTask;
    }

    public static bool NamesApiKey(HttpContext context) =>
        context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) && !context.Request.Headers.ContainsKey("Authorization")
            && !context.Request.Query.ContainsKey("access_token");

    public static bool AcceptsApiKeys(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>()
            .Any(a => a.Policy is { } policy && (policy is AuthenticationSetup.ApiKeyPolicy or AuthenticationSetup.WorkerPolicy || ScopePolicies.IsScopePolicy(policy))) == true;

    /// <summary>
    /// 401 as problem details that say why, with the RFC 6750 WWW-Authenticate header. A token that was presented and
    /// refused is audited (<c>access_token.refused</c>); a request that carried none is not.
    /// </summary>
    public static async Task WriteChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        if (context.AuthenticateFailure is { } failure)
        {
            AuditRefusal(context.HttpContext, failure);
        }

        var presentedKeyOnly = context.AuthenticateFailure is null
            && !context.Request.Headers.ContainsKey("Authorization")
            && context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName);
        var (code, detail) = context.AuthenticateFailure switch
        {
            null when presentedKeyOnly => ("api_key_not_accepted", "This endpoint needs a user's access token (Authorization: Bearer); API keys are not accepted here."),
            SecurityTokenExpiredException => ("token_expired", "The access token has expired; refresh it or log in again."),
            SessionRevokedException => ("session_revoked", "The session of this access token has ended; log in again."),
            not null => ("invalid_token", "The access token is invalid."),
            null when AcceptsApiKeys(context.HttpContext) => ("unauthenticated", "This endpoint needs an access token (Authorization: Bearer) or an API key (X-API-Key)."),
            null => (PipelineProblems.Unauthenticated.Code, PipelineProblems.Unauthenticated.Detail),
        };
        context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{detail}\"";
        await context.HttpContext.WriteProblemAsync(StatusCodes.Status401Unauthorized, code, "Unauthorized", detail);
    }

    /// <summary>
    /// The reason comes from the failure's type, never its message or the token. Only a token that passed validation
    /// (its session is what failed) names its user, as the target: the caller is still anonymous, since whoever holds
    /// a token need not be its user. Any other token's subject is unverified (an expired token's signature may not
    /// have been checked at all) and goes nowhere.
    /// </summary>
    private static void AuditRefusal(HttpContext context, Exception failure)
    {
        var (reason, subject, session) = failure switch
        {
            SessionRevokedException revoked => ("session_ended", revoked.Subject, revoked.Session),
            SessionlessTokenException sessionless => ("no_session", sessionless.Subject, null),
            _ => (ReasonOf(failure), null, null),
        };
        context.RequestServices.GetRequiredService<RefusalAudit>().Refused(context, new Refusal(AuditEventTypes.AccessTokenRefused, reason)
        {
            Target = subject,
            Details = session is null ? [] : [new("session", session)],
        });
    }

    private static string ReasonOf(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not_yet_valid",
        SecurityTokenNoExpirationException => "no_expiration",
        SecurityTokenInvalidSignatureException => "invalid_signature",
        SecurityTokenInvalidIssuerException => "invalid_issuer",
        SecurityTokenInvalidAudienceException => "invalid_audience",
        SecurityTokenInvalidAlgorithmException => "invalid_algorithm",
        SecurityTokenInvalidTypeException => "invalid_type",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        AggregateException { InnerExceptions: [var only] } => ReasonOf(only),
        _ => "invalid",
    };
}
