using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aiprod.Functional.Tests.Api;

/// <summary>A host whose start fails after it opened the database leaves nothing of its own running.</summary>
public sealed class FailedStartTests
{
    [Fact]
    public async Task AStartThatFailsAfterTheMigrations_StopsTheCheckpointThread()
    {
        SqliteCheckpointer? checkpointer = null;
        var factory = new AiprodApiFactory(
            // Read after the migrations ran (the middleware's setup): the file's connections were configured by then.
            new Dictionary<string, string?> { ["ForwardedHeaders:TrustedProxies:0"] = "proxy.example" },
            // The host's own registration, with the instance it makes kept for the test (the host's services are out
            // of reach once its start failed).
            replaceServices: services =>
            {
                var registered = services.Single(d => d.ServiceType == typeof(SqliteCheckpointer)).ImplementationFactory!;
                services.Replace(ServiceDescriptor.Singleton(sp => checkpointer = (SqliteCheckpointer)registered(sp)));
            });
        var folder = factory.DataFolder;
        try
        {
            Assert.Throws<InvalidOperationException>(() => factory.CreateClient());

            // The thread had started: the migrations' connections handed it their file.
            Assert.NotNull(checkpointer);
            Assert.Equal(Path.Combine(folder, "aiprod.db"), checkpointer.WatchedFile);

            // Nothing disposes a host that never started but its own entry point: the factory has none to dispose.
            Assert.True(await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(!checkpointer.Running)), "The checkpoint thread of a host that failed to start is still running.");
        }
        finally
        {
            await factory.DisposeAsync();
        }
    }
}
