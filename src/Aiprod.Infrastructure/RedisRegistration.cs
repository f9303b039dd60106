using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using StackExchange.Redis;

namespace Aiprod.Infrastructure;

/// <summary>Registers the connection and the circuit in front of it.</summary>
internal static class RedisRegistration
{
    public static void AddRedisCircuit(this IServiceCollection services)
    {
        services.AddSingleton<IConnectionMultiplexer>(sp =>
            ConnectionMultiplexer.Connect(sp.GetRequiredService<IOptions<RedisOptions>>().Value.ToConnectionOptions()));
        services.AddSingleton<RedisCircuitState>();
        services.AddResilienceEnricher();
        services.AddResiliencePipeline(RedisCircuit.PipelineName, (builder, context) => RedisCircuit.Configure(
            builder,
            context.ServiceProvider.GetRequiredService<IOptions<RedisOptions>>().Value,
            context.ServiceProvider.GetRequiredService<RedisCircuitState>(),
            context.ServiceProvider.GetRequiredService<ILogger<RedisCircuit>>()));
        services.AddSingleton<RedisCircuit>();
    }
}
