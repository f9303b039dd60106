using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Abstractions;

/// <summary>
/// Carries job events to the live subscribers (WebSockets) of every API instance: in process without Redis,
/// through Redis pub/sub with it. One abstraction, two adapters.
/// </summary>
public interface IJobEventBus
{
    /// <summary>Called after the events are committed.</summary>
    Task PublishAsync(IReadOnlyList<JobEventDto> events, CancellationToken cancellationToken);

    /// <summary>Receives the job's events until disposed. The handler must not block.</summary>
    IDisposable Subscribe(JobId jobId, Action<JobEventDto> handler);

    int JobsWithSubscribers { get; }
}
