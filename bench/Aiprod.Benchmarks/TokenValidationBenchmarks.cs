using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure;
using Aiprod.Infrastructure.Tokens;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Benchmarks;

/// <summary>One access token validated by the plain handler (the baseline) and by the caching handler (a hit).</summary>
[MemoryDiagnoser]
public class TokenValidationBenchmarks : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-bench-keys-").FullName;
    private SigningKeyStore keys = null!;
    private CachingJsonWebTokenHandler caching = null!;
    private JsonWebTokenHandler plain = null!;
    private TokenValidationParameters parameters = null!;
    private string token = null!;

    [GlobalSetup]
    public void Setup()
    {
        var jwt = Options.Create(new JwtOptions());
        keys = new SigningKeyStore(jwt, Options.Create(new DataFolderOptions { Path = folder }), NullLogger<SigningKeyStore>.Instance);
        Email.TryCreate("bench@example.com", out var email);
        var user = User.Register(email, null, "hash", DateTimeOffset.UtcNow);
        token = new JwtAccessTokenIssuer(keys, jwt, TimeProvider.System).Issue(user, new SessionId(Guid.NewGuid()), null).Token;
        parameters = AccessTokenValidation.CreateParameters(keys, jwt.Value, TimeProvider.System);
        plain = new JsonWebTokenHandler();
        caching = new CachingJsonWebTokenHandler(new TokenValidationCacheOptions(), TimeProvider.System);
        _ = caching.ValidateTokenAsync(token, parameters).GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public async Task<bool> Es256Validation() => (await plain.ValidateTokenAsync(token, parameters)).IsValid;

    [Benchmark]
    public async Task<bool> CachedValidation() => (await caching.ValidateTokenAsync(token, parameters)).IsValid;

    public void Dispose()
    {
        caching?.Dispose();
        keys?.Dispose();
        Directory.Delete(folder, recursive: true);
        GC.SuppressFinalize(this);
    }
}
