using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using DotNet.Testcontainers.Builders;
using Testcontainers.MsSql;

namespace Aiprod.Functional.Tests.Infrastructure;

/// <summary>A running API on one database provider, shared by the tests of a class and reset before each.</summary>
public interface IApiFixture
{
    /// <summary>Empties the database and returns a client; throws <see cref="DockerUnavailableException"/> when the provider cannot run here.</summary>
    Task<HttpClient> CreateClientAsync();

    AiprodApiFactory Factory { get; }
}

public sealed class SqliteApiFixture : IApiFixture, IAsyncLifetime
{
    public AiprodApiFactory Factory { get; } = new();

    public async Task<HttpClient> CreateClientAsync()
    {
        await Factory.ResetAsync();
        return Factory.CreateClient();
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}

/// <summary>
/// SQL Server in a container. Where no Docker engine is reachable, Testcontainers throws
/// <see cref="DockerUnavailableException"/>; it is kept and rethrown in each test, which then reports as skipped
/// with that reason (see <see cref="DatabaseFactAttribute"/>), and runs for real wherever Docker exists.
/// </summary>
public sealed class SqlServerApiFixture : IApiFixture, IAsyncLifetime
{
    private MsSqlContainer? container;
    private AiprodApiFactory? factory;
    private Exception? unavailable;

    public AiprodApiFactory Factory
    {
        get
        {
            if (unavailable is not null)
            {
                ExceptionDispatchInfo.Throw(unavailable);
            }

            return factory!;
        }
    }

    public async Task<HttpClient> CreateClientAsync()
    {
        await Factory.ResetAsync();
        return Factory.CreateClient();
    }

    public async ValueTask InitializeAsync()
    {
        try
        {
            container = new MsSqlBuilder("mcr.microsoft.com/mssql/server:2022-latest").Build();
            await container.StartAsync();
        }
        catch (DockerUnavailableException ex)
        {
            unavailable = ex;
            return;
        }

        factory = new AiprodApiFactory(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "SqlServer",
            ["ConnectionStrings:Aiprod"] = container.GetConnectionString(),
        });
        _ = factory.Server; // start the host now: it applies the SQL Server migrations
    }

    public async ValueTask DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }

        if (container is not null)
        {
            await container.DisposeAsync();
        }
    }
}

/// <summary>A test that needs a database provider; skipped, with the reason, where Docker is missing for SQL Server.</summary>
public sealed class DatabaseFactAttribute : FactAttribute
{
    public DatabaseFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        SkipExceptions = [typeof(DockerUnavailableException)];
    }
}
