using Aiprod.Api.Http;
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

    public static IServiceCollection AddAiprodAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeyStore, IOptions<JwtOptions>>((o, keys, jwt) =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Value.Issuer,
                    ValidAudience = jwt.Value.Audience,
                    IssuerSigningKey = keys.SecurityKey,
                    // An allow-list of one: "none", HMAC with the public key as secret, or any other algorithm is refused.
                    ValidAlgorithms = [SigningKeyStore.Algorithm],
                    ValidTypes = [AccessTokenClaims.TokenType],
                    ClockSkew = jwt.Value.ClockSkew,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ValidateLifetime = true,
                    ValidateIssuerSigningKey = true,
                    NameClaimType = JwtRegisteredClaimNames.Sub,
                    RoleClaimType = AccessTokenClaims.Role,
                };
                o.Events = new JwtBearerEvents { OnChallenge = WriteChallengeAsync };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole("admin"));
        return services;
    }

    /// <summary>401 as problem details that say why, with the RFC 6750 WWW-Authenticate header.</summary>
    private static async Task WriteChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var (code, detail) = context.AuthenticateFailure switch
        {
            SecurityTokenExpiredException => ("token_expired", "The access token has expired; refresh it or log in again."),
            not null => ("invalid_token", "The access token is invalid."),
            null => ("unauthenticated", "This endpoint needs an access token: send 'Authorization: Bearer <token>'."),
        };
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{detail}\"";
        var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context.HttpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Type = ProblemTypes.For(code),
                Title = "Unauthorized",
                Detail = detail,
            },
        });
    }
}
