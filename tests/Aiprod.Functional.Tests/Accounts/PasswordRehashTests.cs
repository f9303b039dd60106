using System.Buffers.Binary;
using System.Net;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Aiprod.Functional.Tests.Accounts;

/// <summary>A password hashed with fewer iterations than configured is hashed again at the next successful login.</summary>
public sealed class PasswordRehashTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private static int IterationsOf(string hash) => BinaryPrimitives.ReadInt32BigEndian(Convert.FromBase64String(hash).AsSpan(5, 4));

    [Fact]
    public async Task AHashMadeAt100k_IsRehashedAtTheConfiguredCount_OnLogin_AndTheUserStillLogsIn()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var old = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 }))
            .HashPassword(new object(), ApiClientExtensions.DefaultPassword);
        await fixture.Factory.WithDbAsync(db => db.Users.ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, old)));

        await client.LoginAsync("ann@example.com");

        var rehashed = await fixture.Factory.WithDbAsync(db => db.Users.Select(u => u.PasswordHash).SingleAsync());
        Assert.NotEqual(old, rehashed);
        Assert.Equal(210_000, IterationsOf(rehashed));
        await client.LoginAsync("ann@example.com");
        Assert.Equal(rehashed, await fixture.Factory.WithDbAsync(db => db.Users.Select(u => u.PasswordHash).SingleAsync()));
    }

    [Fact]
    public async Task AWrongPassword_LeavesAnOldHashAsItIs()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var old = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 }))
            .HashPassword(new object(), ApiClientExtensions.DefaultPassword);
        await fixture.Factory.WithDbAsync(db => db.Users.ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, old)));

        var response = await client.PostAsync("/auth/login", System.Net.Http.Json.JsonContent.Create(new { email = "ann@example.com", password = "not the password" }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(old, await fixture.Factory.WithDbAsync(db => db.Users.Select(u => u.PasswordHash).SingleAsync()));
    }
}

/// <summary>The iteration count is configuration, and too low a count stops the start.</summary>
public sealed class PasswordIterationsConfigurationTests
{
    [Fact]
    public async Task AConfiguredCount_IsWhatNewHashesUse()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Auth:Passwords:Iterations"] = "300000" });
        var client = factory.CreateClient();

        await client.RegisterAsync("ann@example.com");

        Assert.Equal(300_000, BinaryPrimitives.ReadInt32BigEndian(Convert.FromBase64String(
            await factory.WithDbAsync(db => db.Users.Select(u => u.PasswordHash).SingleAsync())).AsSpan(5, 4)));
    }

    [Fact]
    public async Task FewerThan100kIterations_StopTheStart()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Auth:Passwords:Iterations"] = "10000" });

        var refused = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());
        Assert.Contains("Auth:Passwords:Iterations", refused.Message, StringComparison.Ordinal);
    }
}
