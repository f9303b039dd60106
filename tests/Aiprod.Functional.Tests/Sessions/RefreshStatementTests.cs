using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Sessions;

/// <summary>What a rotation asks the database before it writes: one statement reads the token, its family and the account.</summary>
public sealed class RefreshStatementTests : IAsyncDisposable
{
    private readonly SelectRecorder recorder = new();
    private readonly AiprodApiFactory factory;

    public RefreshStatementTests() => factory = new AiprodApiFactory(replaceServices: services =>
        services.ConfigureDbContext<SqliteAiprodDbContext>((_, options) => options.AddInterceptors(recorder)));

    [Fact]
    public async Task ARefresh_ReadsTokenFamilyAndAccount_InOneStatement()
    {
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");
        var tokens = await client.LoginForTokensAsync("ann@example.com");
        recorder.Selects.Clear();

        var response = await client.RefreshAsync(tokens.Str("refresh_token"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Background services read other tables; the rotation's reads are the ones of tokens and accounts.
        var reads = recorder.Selects.Where(sql => sql.Contains("\"refresh_tokens\"", StringComparison.Ordinal) || sql.Contains("\"users\"", StringComparison.Ordinal)).ToList();
        var read = Assert.Single(reads);
        Assert.Contains("\"refresh_token_families\"", read, StringComparison.Ordinal);
        Assert.Contains("\"users\"", read, StringComparison.Ordinal);

        // The account is still checked: a disabled owner's token is refused.
        var next = await response.ReadJsonAsync();
        await factory.WithDbAsync(db => db.Users.ExecuteUpdateAsync(s => s.SetProperty(u => u.DisabledAt, DateTimeOffset.UtcNow)));
        await (await client.RefreshAsync(next.Str("refresh_token"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();

    private sealed class SelectRecorder : DbCommandInterceptor
    {
        public ConcurrentQueue<string> Selects { get; } = new();

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
            {
                Selects.Enqueue(command.CommandText);
            }

            return ValueTask.FromResult(result);
        }
    }
}
