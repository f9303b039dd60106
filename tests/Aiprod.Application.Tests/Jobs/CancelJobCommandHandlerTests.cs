using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Commands.CancelJob;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Jobs;

public sealed class CancelJobCommandHandlerTests
{
    private readonly IJobRepository jobs = Substitute.For<IJobRepository>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;

    public CancelJobCommandHandlerTests() => ann = Given.AUser(clock);

    private CancelJobCommandHandler Handler() => new(jobs, audit, clock);

    private PipelineJob Stored(PipelineJob job)
    {
        jobs.FindOwnedAsync(ann.Id, job.Id, Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(job);
        return job;
    }

    [Fact]
    public async Task Handle_AQueuedJob_CancelsIt_AuditsIt_AndAnnouncesTheChange()
    {
        var job = Stored(Given.AJob(ann, clock));
        clock.Advance(TimeSpan.FromMinutes(1));

        var result = await Handler().Handle(new CancelJobCommand(ann.Id, job.Id), TestContext.Current.CancellationToken);

        Assert.Equal((job.Id, JobStatus.Cancelled, (DateTimeOffset?)clock.GetUtcNow()), (result.Value?.JobId, result.Value?.Status, result.Value?.CompletedAt));
        Assert.Equal(JobStatus.Cancelled, job.Status);
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.JobCancelled, AuditOutcome.Success, job.Id.ToString()), (entry.EventType, entry.Outcome, entry.Target));
        var raised = Assert.IsType<JobEventRecorded>(Assert.Single(job.TakeDomainEvents())).Event;
        Assert.Equal((JobStatus.Queued, JobStatus.Cancelled), (raised.FromStatus, raised.ToStatus));
    }

    [Fact]
    public async Task Handle_ARunningJob_TakesItFromItsWorker()
    {
        var job = Stored(Given.ARunningJob(ann, Given.AWorkerKey(ann, clock), clock, TimeSpan.FromMinutes(1)));

        var result = await Handler().Handle(new CancelJobCommand(ann.Id, job.Id), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess);
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Null(job.WorkerKeyId);
        Assert.Null(job.LeaseExpiresAt);
    }

    [Fact]
    public async Task Handle_AnotherUsersJob_IsNotFound_AndLeftAsItWas()
    {
        var bob = Given.AUser(clock, "bob@example.com");
        var bobsJob = Given.AJob(bob, clock);
        jobs.FindOwnedAsync(bob.Id, bobsJob.Id, Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(bobsJob);

        var result = await Handler().Handle(new CancelJobCommand(ann.Id, bobsJob.Id), TestContext.Current.CancellationToken);

        Assert.Equal(JobErrors.NotFound, result.Error);
        Assert.Equal(JobStatus.Queued, bobsJob.Status);
        Assert.Empty(audit.Entries());
    }

    [Fact]
    public async Task Handle_AJobThatAlreadyEnded_IsAConflict_AndKeepsItsEnd()
    {
        var worker = Given.AWorkerKey(ann, clock);
        var job = Stored(Given.ARunningJob(ann, worker, clock, TimeSpan.FromMinutes(1)));
        _ = job.Complete(worker.Id, "{}", 10, clock.GetUtcNow());
        _ = job.TakeDomainEvents();

        var result = await Handler().Handle(new CancelJobCommand(ann.Id, job.Id), TestContext.Current.CancellationToken);

        Assert.Equal((ErrorKind.Conflict, "illegal_transition"), (result.Error?.Kind, result.Error?.Code));
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Empty(audit.Entries());
        Assert.Empty(job.TakeDomainEvents());
    }
}
