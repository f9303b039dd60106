using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Jobs;

/// <summary>Commits a job's change and then tells the live subscribers what it added.</summary>
public sealed class JobChangeCommitter(IUnitOfWork unitOfWork, IJobEventBus bus)
{
    public async Task CommitAsync(PipelineJob job, long sequenceBefore, CancellationToken cancellationToken) =>
        await CommitAsync([(job, sequenceBefore)], cancellationToken);

    public async Task CommitAsync(IReadOnlyList<(PipelineJob Job, long SequenceBefore)> changes, CancellationToken cancellationToken)
    {
        await unitOfWork.SaveChangesAsync(cancellationToken);
        var added = changes
            .SelectMany(c => c.Job.Events.Where(e => e.Sequence > c.SequenceBefore))
            .OrderBy(e => e.JobId).ThenBy(e => e.Sequence)
            .Select(JobEventDto.Of)
            .ToList();
        if (added.Count > 0)
        {
            await bus.PublishAsync(added, cancellationToken);
        }
    }
}
