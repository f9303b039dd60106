using Aiprod.Api.Auditing;
using Aiprod.Api.Authentication;
using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

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
                AccessTokenEvents.NamesApiKey(ctx) ? ApiKeyAuthenticationHandler.SchemeName : JwtBearerDefaults.AuthenticationScheme)
            // The same, but a key only where the endpoint takes keys: elsewhere it is neither used nor counted as a use.
            // The result is cached per request, so the endpoint's own policy does not authenticate the key again.
            .AddPolicyScheme(RequestScheme, "The request's own credential", o => o.ForwardDefaultSelector = ctx =>
                AccessTokenEvents.NamesApiKey(ctx) && AccessTokenEvents.AcceptsApiKeys(ctx) ? ApiKeyAuthenticationHandler.SchemeName : JwtBearerDefaults.AuthenticationScheme);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeyStore, IOptions<JwtOptions>, CachingJsonWebTokenHandler, TimeProvider>((o, keys, jwt, handler, clock) =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = AccessTokenValidation.CreateParameters(keys, jwt.Value, clock);
                o.TokenHandlers.Clear();
                o.TokenHandlers.Add(handler);
                o.Events = new JwtBearerEvents
                {
                    OnChallenge = AccessTokenEvents.WriteChallengeAsync,
                    OnTokenValidated = AccessTokenEvents.RejectRevokedSessions,
                    OnMessageReceived = AccessTokenEvents.ReadTokenFromSocketUrl,
                };
            });

        services.AddSingleton<RefusalAudit>();
        services.AddHostedService<RefusalAuditFlusher>();
        // Replaces the default handler (which it wraps) whether AddAuthorization registered it before or after.
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ForbiddenAudit>();
        var authorization = services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser().RequireRole(RoleNames.Admin))
            .AddPolicy(UserPolicy, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser())
            .AddPolicy(ApiKeyPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(WorkerPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, EnumNames.Of(ApiKeyScope.PipelineWorker)));
        foreach (var scope in ApiKeyScopes.All)
        {
            // A user's token may do everything its owner may; a key only what its scopes say.
            var claim = EnumNames.Of(scope);
            authorization.AddPolicy(ScopePolicies.For(scope), p => p
                .AddAuthenticationSchemes(TokenOrKeyScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(ctx => ctx.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim) is null
                    || ctx.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, claim)));
        }
        return services;
    }
}
