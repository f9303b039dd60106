using System.Security.Cryptography;
using System.Text;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure;
using Aiprod.Infrastructure.ApiKeys;
using Aiprod.Infrastructure.Persistence;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aiprod.Benchmarks;

/// <summary>
/// The cost of verifying one API key: the original AIPROD's PBKDF2-SHA256 at 100k iterations (baseline) against
/// each step of ours — checksum, SHA-256, and the whole verification on a warm cache (real SQLite behind it).
/// </summary>
[MemoryDiagnoser]
public class ApiKeyVerificationBenchmarks : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-bench-apikeys-").FullName;
    private readonly byte[] salt = RandomNumberGenerator.GetBytes(16);
    private ServiceProvider services = null!;
    private ApiKeyAuthenticator authenticator = null!;
    private string key = null!;

    [GlobalSetup]
    public void Setup()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DataFolder:Path"] = folder }).Build();
        var collection = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddInfrastructure(configuration, folder);
        services = collection.BuildServiceProvider();
        using (var scope = services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
            scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
            Email.TryCreate("bench@example.com", out var email);
            var user = User.Register(email, null, "hash", DateTimeOffset.UtcNow);
            key = ApiKeyFormat.Create(RandomNumberGenerator.GetBytes(32));
            db.Users.Add(user);
            db.ApiKeys.Add(ApiKey.Issue(user.Id, "bench", [ApiKeyScope.JobsRead], ApiKeyFormat.Hash(key), ApiKeyFormat.DisplayPrefix(key), DateTimeOffset.UtcNow, TimeSpan.FromDays(90)));
            db.SaveChanges();
        }

        authenticator = services.GetRequiredService<ApiKeyAuthenticator>();
        if (!authenticator.AuthenticateAsync(key, CancellationToken.None).AsTask().GetAwaiter().GetResult().Succeeded)
        {
            throw new InvalidOperationException("The bench key does not authenticate.");
        }
    }

    [Benchmark(Baseline = true, Description = "PBKDF2-SHA256 100k (original)")]
    public byte[] Pbkdf2() => Rfc2898DeriveBytes.Pbkdf2(Encoding.ASCII.GetBytes(key), salt, 100_000, HashAlgorithmName.SHA256, 32);

    [Benchmark(Description = "format + CRC32 checksum")]
    public bool Checksum() => ApiKeyFormat.IsWellFormed(key);

    [Benchmark(Description = "SHA-256")]
    public KeyHash Sha256() => ApiKeyFormat.HashKey(key);

    [Benchmark(Description = "whole verification, warm cache")]
    public async Task<bool> Verify() => (await authenticator.AuthenticateAsync(key, CancellationToken.None)).Succeeded;

    public void Dispose()
    {
        services?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
        GC.SuppressFinalize(this);
    }
}
