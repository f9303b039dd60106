using System.Runtime.Versioning;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Tokens;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Infrastructure.Tests;

public sealed class AccessTokenTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-keys-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 6, 1, 10, 0, 0, TimeSpan.Zero));

    private SigningKeyStore Store(string? pem = null) => new(
        Options.Create(new JwtOptions { SigningKeyPem = pem }),
        Options.Create(new DataFolderOptions { Path = folder }),
        NullLogger<SigningKeyStore>.Instance);

    [Fact]
    public void GeneratedKey_IsKeptAndReusedAfterARestart()
    {
        using var first = Store();
        using var second = Store();

        Assert.Equal(first.SecurityKey.KeyId, second.SecurityKey.KeyId);
        var file = Path.Combine(folder, SigningKeyStore.KeyFileName);
        Assert.True(File.Exists(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void KeyFiles_AreOwnerOnly_FromTheMomentTheyExist()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        var path = Path.Combine(folder, "created");

        using (SigningKeyStore.CreateOwnerOnly(path))
        {
            // Nothing written yet, no chmod yet: the mode is already the final one.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite)]
    [UnsupportedOSPlatform("windows")]
    public void AnExistingKeyFile_OpenToOthers_StopsTheStart_WithWhatToDo(UnixFileMode mode)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        using (Store())
        {
        }

        var file = Path.Combine(folder, SigningKeyStore.KeyFileName);
        File.SetUnixFileMode(file, mode);

        var refused = Assert.Throws<InvalidOperationException>(() => Store());
        Assert.Contains(file, refused.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void AnOwnerOnlyKeyFile_IsAccepted()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        using (Store())
        {
        }

        File.SetUnixFileMode(Path.Combine(folder, SigningKeyStore.KeyFileName), UnixFileMode.UserRead);

        using var again = Store();
        Assert.NotNull(again.SecurityKey);
    }

    [Fact]
    public void ConfiguredPem_WinsOverTheDataFolder()
    {
        using var ecdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var configured = Store(ecdsa.ExportPkcs8PrivateKeyPem());
        using var generated = Store();

        Assert.NotEqual(configured.SecurityKey.KeyId, generated.SecurityKey.KeyId);
    }

    [Fact]
    public void PublicJwk_CarriesNoPrivateKey()
    {
        using var store = Store();

        Assert.Null(store.PublicJwk.D);
        Assert.Equal("ES256", store.PublicJwk.Alg);
        Assert.Equal("P-256", store.PublicJwk.Crv);
    }

    [Fact]
    public async Task IssuedToken_HasTheRegisteredClaimsTypeAndLifetime()
    {
        using var store = Store();
        var issuer = new JwtAccessTokenIssuer(store, Options.Create(new JwtOptions()), clock);
        Email.TryCreate("ann@example.com", out var email);
        var user = User.Register(email, null, "hash", clock.GetUtcNow());
        var session = new SessionId(Guid.NewGuid());

        var token = issuer.Issue(user, session, null);

        var jwt = new JsonWebToken(token.Token);
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal(store.SecurityKey.KeyId, jwt.Kid);
        Assert.Equal(user.Id.ToString(), jwt.Subject);
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.Equal("user", jwt.GetClaim("role").Value);
        Assert.Equal(session.ToString(), jwt.GetClaim("sid").Value);
        Assert.Equal(clock.GetUtcNow().UtcDateTime, jwt.IssuedAt);
        Assert.Equal(clock.GetUtcNow().AddMinutes(15).UtcDateTime, jwt.ValidTo);

        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(token.Token, new TokenValidationParameters
        {
            ValidIssuer = "aiprod",
            ValidAudience = "aiprod-api",
            IssuerSigningKey = new JsonWebKey(System.Text.Json.JsonSerializer.Serialize(store.PublicJwk)),
            ValidateLifetime = false,
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
    }

    [Theory]
    [InlineData(300.0, 300)]     // the session ends in 5 minutes: so does the token
    [InlineData(300.7, 300)]     // exp is rounded down, never past the session's end
    [InlineData(3600.0, 900)]    // the session outlives the usual 15 minutes: the usual lifetime
    [InlineData(-5.0, 0)]        // a session already over: exp is iat, never before it
    public void Expiry_IsCappedAtTheEndOfTheSession(double sessionEndsInSeconds, int expectedLifetimeSeconds)
    {
        using var store = Store();
        var issuer = new JwtAccessTokenIssuer(store, Options.Create(new JwtOptions()), clock);
        Email.TryCreate("ann@example.com", out var email);
        var user = User.Register(email, null, "hash", clock.GetUtcNow());

        var token = issuer.Issue(user, new SessionId(Guid.NewGuid()), clock.GetUtcNow().AddSeconds(sessionEndsInSeconds));

        var jwt = new JsonWebToken(token.Token);
        Assert.Equal(clock.GetUtcNow().AddSeconds(expectedLifetimeSeconds).UtcDateTime, jwt.ValidTo);
        Assert.Equal(jwt.ValidTo, token.ExpiresAt.UtcDateTime);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
