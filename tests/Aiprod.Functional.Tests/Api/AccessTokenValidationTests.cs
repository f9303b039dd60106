using System.Net;
using System.Security.Cryptography;
using System.Text;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Functional.Tests.Api;

/// <summary>Forged, expired and misdirected JWTs are refused with 401.</summary>
public sealed class AccessTokenValidationTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private async Task<(HttpClient Client, string Subject)> SignedUpAsync()
    {
        var client = await fixture.CreateClientAsync();
        var user = await client.RegisterAsync("ann@example.com");
        return (client, user["id"]!.GetValue<string>());
    }

    private string Token(string subject, SigningCredentials? credentials = null, string audience = "aiprod-api", string type = "at+jwt", DateTime? expires = null, bool withSession = true)
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["role"] = "user" };
        if (withSession)
        {
            claims["sid"] = Guid.NewGuid().ToString();
        }

        var keys = fixture.Factory.Services.GetRequiredService<SigningKeyStore>();
        var exp = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "aiprod",
            Audience = audience,
            IssuedAt = exp.AddMinutes(-15),
            NotBefore = exp.AddMinutes(-15),
            Expires = exp,
            TokenType = type,
            Claims = claims,
            SigningCredentials = credentials ?? keys.SigningCredentials,
        });
    }

    [Fact]
    public async Task AWellFormedTokenOfOurs_IsAccepted()
    {
        var (client, subject) = await SignedUpAsync();

        var response = await client.GetWithTokenAsync("/auth/me", Token(subject));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ExpiredBeyondTheClockSkew_Is401TokenExpired()
    {
        var (client, subject) = await SignedUpAsync();

        var response = await client.GetWithTokenAsync("/auth/me", Token(subject, expires: DateTime.UtcNow.AddSeconds(-31)));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "token_expired");
    }

    [Fact]
    public async Task AnotherAudience_Is401()
    {
        var (client, subject) = await SignedUpAsync();

        var response = await client.GetWithTokenAsync("/auth/me", Token(subject, audience: "someone-else"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task SignedWithAnotherKey_Is401()
    {
        var (client, subject) = await SignedUpAsync();
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var credentials = new SigningCredentials(new ECDsaSecurityKey(other) { KeyId = "other" }, SecurityAlgorithms.EcdsaSha256);

        var response = await client.GetWithTokenAsync("/auth/me", Token(subject, credentials));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task AlgNone_Is401()
    {
        var (client, subject) = await SignedUpAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"at+jwt\"}");
        var payload = Base64UrlEncoder.Encode($"{{\"iss\":\"aiprod\",\"aud\":\"aiprod-api\",\"sub\":\"{subject}\",\"iat\":{now},\"nbf\":{now},\"exp\":{now + 600}}}");

        var response = await client.GetWithTokenAsync("/auth/me", $"{header}.{payload}.");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task Hs256WithThePublicKeyAsSecret_Is401()
    {
        var (client, subject) = await SignedUpAsync();
        var jwk = fixture.Factory.Services.GetRequiredService<SigningKeyStore>().PublicJwk;
        var secret = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwk.X + jwk.Y));

        var response = await client.GetWithTokenAsync("/auth/me", Token(subject, new SigningCredentials(secret, SecurityAlgorithms.HmacSha256)));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task AJwtThatIsNotAnAccessToken_Is401()
    {
        var (client, subject) = await SignedUpAsync();

        var response = await client.GetWithTokenAsync("/auth/me", Token(subject, type: "JWT"));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task ATokenWithoutASession_Is401()
    {
        var (client, subject) = await SignedUpAsync();

        var response = await client.GetWithTokenAsync("/auth/me", Token(subject, withSession: false));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task Garbage_Is401()
    {
        var (client, _) = await SignedUpAsync();

        var response = await client.GetWithTokenAsync("/auth/me", "not.a.jwt");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task TokenOfADeletedSubject_Is401()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.GetWithTokenAsync("/auth/me", Token(Guid.NewGuid().ToString()));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unknown_subject");
    }

    [Fact]
    public async Task Jwks_VerifiesOurTokens()
    {
        var client = await fixture.CreateClientAsync();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var jwks = new JsonWebKeySet(await client.GetStringAsync("/.well-known/jwks.json", TestContext.Current.CancellationToken));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "aiprod",
            ValidAudience = "aiprod-api",
            IssuerSigningKeys = jwks.Keys,
        });

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.All(jwks.Keys, k => Assert.False(k.HasPrivateKey));
    }
}
