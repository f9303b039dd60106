using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs;
using Aiprod.Application.Jobs.Commands.ExpireLeases;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Jobs;

public sealed class ExpireLeasesCommandHandlerTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly IJobRepository jobs = Substitute.For<IJobRepository>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly JobOptions options = new() { MaxRetries = 1 };
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly ApiKey worker;

    public ExpireLeasesCommandHandlerTests()
    {
        ann = Given.AUser(clock);
        worker = Given.AWorkerKey(ann, clock);
    }

    private ExpireLeasesCommandHandler Handler() => new(jobs, audit, Options.Create(options), clock);

    private void Lapsed(params PipelineJob[] read) =>
        jobs.WithLapsedLeasesAsync(clock.GetUtcNow(), Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(read);

    [Fact]
    public async Task Handle_PutsALapsedJobBackInTheQueue_WithOneMoreRetry()
    {
        var job = Given.ARunningJob(ann, worker, clock, Lease);
        clock.Advance(Lease);
        Lapsed(job);

        var changed = await Handler().Handle(new ExpireLeasesCommand(), TestContext.Current.CancellationToken);

        Assert.Equal(1, changed);
        Assert.Equal((JobStatus.Queued, 1), (job.Status, job.RetryCount));
        Assert.Null(job.WorkerKeyId);
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.JobLeaseLapsed, AuditOutcome.Success, job.Id.ToString(), (ActorKind?)ActorKind.System), (entry.EventType, entry.Outcome, entry.Target, entry.ActorKind));
        Assert.Equal(1, entry.Details!["retry_count"]);
        Assert.Equal("queued", entry.Details["status"]);
        var raised = Assert.IsType<JobEventRecorded>(Assert.Single(job.TakeDomainEvents())).Event;
        Assert.Equal((JobStatus.Running, JobStatus.Queued), (raised.FromStatus, raised.ToStatus));
    }

    [Fact]
    public async Task Handle_FailsAJobWhoseRetriesAreSpent_AndAuditsAFailure()
    {
        var job = Given.ARunningJob(ann, worker, clock, Lease);
        clock.Advance(Lease);
        _ = job.ExpireLease(clock.GetUtcNow(), options.ToPolicy());
        _ = job.Claim(worker.Id, clock.GetUtcNow(), Lease);
        _ = job.TakeDomainEvents();
        clock.Advance(Lease);
        Lapsed(job);

        var changed = await Handler().Handle(new ExpireLeasesCommand(), TestContext.Current.CancellationToken);

        Assert.Equal(1, changed);
        Assert.Equal((JobStatus.Failed, (bool?)false), (job.Status, job.ResultSuccess));
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.JobLeaseLapsed, AuditOutcome.Failure), (entry.EventType, entry.Outcome));
        Assert.Equal("failed", entry.Details!["status"]);
        Assert.Equal(JobStatus.Failed, Assert.IsType<JobEventRecorded>(Assert.Single(job.TakeDomainEvents())).Event.ToStatus);
    }

    [Fact]
    public async Task Handle_LeavesAJobWhoseWorkerReportedSinceTheRead_AndCountsOnlyWhatItChanged()
    {
        var lapsed = Given.ARunningJob(ann, worker, clock, Lease);
        var renewed = Given.ARunningJob(ann, worker, clock, Lease);
        clock.Advance(Lease);
        // Read as lapsed, but its worker's progress report renewed the lease before this check decided.
        _ = renewed.ReportProgress(worker.Id, 10, null, clock.GetUtcNow() - TimeSpan.FromMilliseconds(1), Lease);
        _ = renewed.TakeDomainEvents();
        Lapsed(lapsed, renewed);

        var changed = await Handler().Handle(new ExpireLeasesCommand(), TestContext.Current.CancellationToken);

        Assert.Equal(1, changed);
        Assert.Equal(JobStatus.Running, renewed.Status);
        Assert.Equal(worker.Id, renewed.WorkerKeyId);
        Assert.Empty(renewed.TakeDomainEvents());
        Assert.Equal(lapsed.Id.ToString(), Assert.Single(audit.Entries()).Target);
    }

    [Fact]
    public async Task Handle_WithNothingLapsed_ChangesAndAuditsNothing()
    {
        Lapsed();

        Assert.Equal(0, await Handler().Handle(new ExpireLeasesCommand(), TestContext.Current.CancellationToken));
        Assert.Empty(audit.Entries());
    }
}
