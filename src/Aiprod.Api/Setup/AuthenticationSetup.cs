using Aiprod.Api.Http;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Microsoft.AspNetCore.Authentication;
using Aiprod.Infrastructure.Tokens;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Api.Setup;

internal static class AuthenticationSetup
{
    public const string AdminPolicy = "admin";

    /// <summary>Only a user's access token: what manages accounts, sessions and keys, so a leaked key cannot mint keys.</summary>
    public const string UserPolicy = "user";

    public const string TokenOrKeyScheme = "TokenOrApiKey";

    private const string RequestScheme = "RequestCredential";

    /// <summary>A GPU worker: an API key holding <c>pipeline:worker</c>.</summary>
    public const string WorkerPolicy = "worker";

    /// <summary>Only an API key (a script checking its own key).</summary>
    public const string ApiKeyPolicy = "api-key";

    /// <summary>The policy of an endpoint that a user's token or a key holding <paramref name="scope"/> may call.</summary>
    public static string ScopePolicy(string scope) => "scope:" + scope;

    public static IServiceCollection AddAiprodAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = JwtBearerDefaults.AuthenticationScheme;
                // UseAuthentication runs before the rate limiter, which counts per user: a key caller must be known
                // by then, or every key behind one address would share that address's budget.
                o.DefaultAuthenticateScheme = RequestScheme;
            })
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            // Endpoints open to tokens and keys authenticate once, with the scheme the request's headers name.
            .AddPolicyScheme(TokenOrKeyScheme, "Access token or API key", o => o.ForwardDefaultSelector = ctx =>
                NamesApiKey(ctx) ? ApiKeyAuthenticationHandler.SchemeName : JwtBearerDefaults.AuthenticationScheme)
            // The same, but a key only where the endpoint takes keys: elsewhere it is neither used nor counted as a use.
            // The result is cached per request, so the endpoint's own policy does not authenticate the key again.
            .AddPolicyScheme(RequestScheme, "The request's own credential", o => o.ForwardDefaultSelector = ctx =>
                NamesApiKey(ctx) && AcceptsApiKeys(ctx) ? ApiKeyAuthenticationHandler.SchemeName : JwtBearerDefaults.AuthenticationScheme);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeyStore, IOptions<JwtOptions>, CachingJsonWebTokenHandler>((o, keys, jwt, handler) =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = AccessTokenValidation.CreateParameters(keys, jwt.Value);
                o.TokenHandlers.Clear();
                o.TokenHandlers.Add(handler);
                o.Events = new JwtBearerEvents
                {
                    OnChallenge = WriteChallengeAsync,
                    OnTokenValidated = RejectRevokedSessions,
                    // Browsers cannot set headers on a WebSocket handshake: there, the token may come in the URL.
                    OnMessageReceived = ctx =>
                    {
                        if (ctx.Request.Path.StartsWithSegments("/ws") && ctx.Request.Query.TryGetValue("access_token", out var token))
                        {
                            ctx.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                };
            });

        var authorization = services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser().RequireRole("admin"))
            .AddPolicy(UserPolicy, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser())
            .AddPolicy(ApiKeyPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(WorkerPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, ApiKeyScopes.PipelineWorker));
        foreach (var scope in ApiKeyScopes.All)
        {
            // A user's token may do everything its owner may; a key only what its scopes say.
            authorization.AddPolicy(ScopePolicy(scope), p => p
                .AddAuthenticationSchemes(TokenOrKeyScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(ctx => ctx.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim) is null
                    || ctx.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, scope)));
        }
        return services;
    }

    /// <summary>
    /// Every request, cached validation or not: a token whose session (refresh-token family) was revoked by a
    /// logout, a password change, a reuse detection or an admin is refused. A dictionary look-up, no database.
    /// </summary>
    private static Task RejectRevokedSessions(TokenValidatedContext context)
    {
        var sid = context.Principal?.FindFirst(AccessTokenClaims.Session)?.Value;
        if (!Guid.TryParse(sid, out var sessionId))
        {
            context.Fail(new SecurityTokenValidationException("The access token belongs to no session."));
            return Task.CompletedTask;
        }

        if (context.HttpContext.RequestServices.GetRequiredService<ISessionRevocations>().IsRevoked(sessionId))
        {
            context.Fail(new SessionRevokedException());
        }

        return Task.CompletedTask;
    }

    private static bool NamesApiKey(HttpContext context) =>
        context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) && !context.Request.Headers.ContainsKey("Authorization")
            && !context.Request.Query.ContainsKey("access_token");

    private static bool AcceptsApiKeys(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>()
            .Any(a => a.Policy is { } policy && (policy is ApiKeyPolicy or WorkerPolicy || policy.StartsWith("scope:", StringComparison.Ordinal))) == true;

    /// <summary>401 as problem details that say why, with the RFC 6750 WWW-Authenticate header.</summary>
    private static async Task WriteChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
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
            null => ("unauthenticated", "This endpoint needs an access token: send 'Authorization: Bearer <token>'."),
        };
        context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{detail}\"";
        await context.HttpContext.WriteProblemAsync(StatusCodes.Status401Unauthorized, code, "Unauthorized", detail);
    }
}

/// <summary>The token is genuine, but its session was ended.</summary>
internal sealed class SessionRevokedException : SecurityTokenValidationException
{
    public SessionRevokedException()
        : base("The session of this access token was revoked.")
    {
    }

    public SessionRevokedException(string message)
        : base(message)
    {
    }

    public SessionRevokedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
