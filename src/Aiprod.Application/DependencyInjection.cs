using FluentValidation;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Application;

public static class DependencyInjection
{
    /// <summary>Registers the validators. The mediator itself is generated and registered by the host.</summary>
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        // Singletons: a validator is stateless once built (its constructor reads only options), and building its rules
        // for every message was a good part of what a request allocated.
        services.AddValidatorsFromAssembly(typeof(DependencyInjection).Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        services.AddScoped<Sessions.TokenIssuance>();
        services.AddScoped<Sessions.SessionRevoker>();
        services.AddScoped<Common.ConflictAttempt>();
        services.AddScoped<Common.DomainEventPublisher>();
        services.AddScoped<Idempotency.IdempotencyLedger>();
        services.AddScoped<Jobs.WorkerReports>();
        services.AddScoped<Common.IWriteLockPrecheck<Jobs.Commands.ClaimJob.ClaimJobCommand>, Jobs.Commands.ClaimJob.ClaimJobPrecheck>();
        // One instance per scope: the commit behaviour asks it, the claim's handler reads its answer.
        services.AddScoped<Exports.Commands.ClaimExport.ClaimExportPrecheck>();
        services.AddScoped<Common.IWriteLockPrecheck<Exports.Commands.ClaimExport.ClaimExportCommand>>(
            sp => sp.GetRequiredService<Exports.Commands.ClaimExport.ClaimExportPrecheck>());
        return services;
    }
}
