using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs;
using Aiprod.Application.Jobs.Commands.ClaimJob;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Jobs;

public sealed class ClaimJobCommandHandlerTests
{
    private readonly IJobRepository jobs = Substitute.For<IJobRepository>();
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly JobOptions options = new() { DefaultLeaseSeconds = 45 };
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly ApiKey annsWorker;

    public ClaimJobCommandHandlerTests()
    {
        ann = Given.AUser(clock);
        annsWorker = Given.AWorkerKey(ann, clock);
        users.IsAdminAsync(ann.Id, Arg.Any<CancellationToken>()).Returns(ann.Role == UserRole.Admin);
    }

    private ClaimJobCommandHandler Handler(ConflictAttempt? attempt = null) => new(jobs, users, Options.Create(options), attempt ?? new ConflictAttempt(), clock);

    [Fact]
    public async Task Handle_WhenNothingIsQueued_ClaimsNothing()
    {
        jobs.NextQueuedAsync(ann.Id, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns([]);

        var claimed = await Handler().Handle(new ClaimJobCommand(annsWorker.Id, ann.Id, null), TestContext.Current.CancellationToken);

        Assert.Null(claimed);
    }

    [Fact]
    public async Task Handle_TakesTheFirstQueuedJob_AndHoldsItForTheAskedLease()
    {
        var first = Given.AJob(ann, clock, JobPriority.High);
        var second = Given.AJob(ann, clock, JobPriority.High);
        jobs.NextQueuedAsync(ann.Id, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns([first, second]);

        var claimed = await Handler().Handle(new ClaimJobCommand(annsWorker.Id, ann.Id, 120), TestContext.Current.CancellationToken);

        Assert.NotNull(claimed);
        Assert.Equal(first.Id, claimed.JobId);
        Assert.Equal(first.Content, claimed.Content);
        Assert.Equal(clock.GetUtcNow().AddSeconds(120), claimed.LeaseExpiresAt);
        Assert.Equal(JobStatus.Running, first.Status);
        Assert.Equal(annsWorker.Id, first.WorkerKeyId);
        Assert.Equal(clock.GetUtcNow().AddSeconds(120), first.LeaseExpiresAt);
        var raised = Assert.IsType<JobEventRecorded>(Assert.Single(first.TakeDomainEvents()));
        Assert.Equal((JobStatus.Queued, JobStatus.Running), (raised.Event.FromStatus, raised.Event.ToStatus));
        Assert.Equal(JobStatus.Queued, second.Status);
        Assert.Empty(second.TakeDomainEvents());

        // A first attempt reads only the head of the queue, not the candidates a run after a lost race spreads over.
        await jobs.Received(1).NextQueuedAsync(ann.Id, 1, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_WhenTheWorkerWentAwayWhileTheQueueWasRead_ClaimsNothing()
    {
        var job = Given.AJob(ann, clock);
        using var gone = new CancellationTokenSource();
        jobs.NextQueuedAsync(ann.Id, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            gone.Cancel();
            return [job];
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Handler().Handle(new ClaimJobCommand(annsWorker.Id, ann.Id, null), gone.Token));

        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.Empty(job.TakeDomainEvents());
    }

    [Fact]
    public async Task ThePrecheck_LooksAtTheQueueTheKeyMayTakeFrom()
    {
        var admin = Given.AnAdmin(clock);
        users.IsAdminAsync(admin.Id, Arg.Any<CancellationToken>()).Returns(admin.Role == UserRole.Admin);
        jobs.AnyQueuedAsync(ann.Id, Arg.Any<CancellationToken>()).Returns(false);
        jobs.AnyQueuedAsync(null, Arg.Any<CancellationToken>()).Returns(true);
        var precheck = new ClaimJobPrecheck(jobs, users);

        Assert.False(await precheck.IsWorthLockingAsync(new ClaimJobCommand(annsWorker.Id, ann.Id, null), TestContext.Current.CancellationToken));
        Assert.True(await precheck.IsWorthLockingAsync(new ClaimJobCommand(annsWorker.Id, admin.Id, null), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Handle_WithoutALease_HoldsTheJobForTheConfiguredDefault()
    {
        var job = Given.AJob(ann, clock);
        jobs.NextQueuedAsync(ann.Id, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns([job]);

        var claimed = await Handler().Handle(new ClaimJobCommand(annsWorker.Id, ann.Id, null), TestContext.Current.CancellationToken);

        Assert.Equal(clock.GetUtcNow().AddSeconds(options.DefaultLeaseSeconds), claimed?.LeaseExpiresAt);
    }

    [Fact]
    public async Task Handle_ForAKeyOfAnOrdinaryUser_LooksOnlyAtThatUsersQueue()
    {
        var bobsJob = Given.AJob(Given.AUser(clock, "bob@example.com"), clock, JobPriority.High);
        jobs.NextQueuedAsync(null, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns([bobsJob]);

        var claimed = await Handler().Handle(new ClaimJobCommand(annsWorker.Id, ann.Id, null), TestContext.Current.CancellationToken);

        Assert.Null(claimed);
        Assert.Equal(JobStatus.Queued, bobsJob.Status);
        await jobs.Received(1).NextQueuedAsync(ann.Id, Arg.Any<int>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_ForAKeyOfAnAdmin_ServesEveryUsersJobs()
    {
        var ops = Given.AnAdmin(clock);
        var platformWorker = Given.AWorkerKey(ops, clock);
        users.IsAdminAsync(ops.Id, Arg.Any<CancellationToken>()).Returns(ops.Role == UserRole.Admin);
        var annsJob = Given.AJob(ann, clock);
        jobs.NextQueuedAsync(null, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns([annsJob]);

        var claimed = await Handler().Handle(new ClaimJobCommand(platformWorker.Id, ops.Id, null), TestContext.Current.CancellationToken);

        Assert.Equal(annsJob.Id, claimed?.JobId);
        Assert.Equal(platformWorker.Id, annsJob.WorkerKeyId);
    }

    [Fact]
    public async Task Handle_ForAnAdminDemotedAfterThePrecheck_LooksOnlyAtTheirOwnQueue()
    {
        // The precheck runs before the write lock and the handler under it: the handler must ask again, not reuse the
        // precheck's answer (a demotion committed in between would otherwise still serve every user's queue).
        var ops = Given.AnAdmin(clock);
        var platformWorker = Given.AWorkerKey(ops, clock);
        users.IsAdminAsync(ops.Id, Arg.Any<CancellationToken>()).Returns(true, false);
        jobs.AnyQueuedAsync(null, Arg.Any<CancellationToken>()).Returns(true);
        var annsJob = Given.AJob(ann, clock);
        jobs.NextQueuedAsync(null, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns([annsJob]);
        var command = new ClaimJobCommand(platformWorker.Id, ops.Id, null);

        Assert.True(await new ClaimJobPrecheck(jobs, users).IsWorthLockingAsync(command, TestContext.Current.CancellationToken));
        var claimed = await Handler().Handle(command, TestContext.Current.CancellationToken);

        Assert.Null(claimed);
        Assert.Equal(JobStatus.Queued, annsJob.Status);
        await jobs.Received(1).NextQueuedAsync(ops.Id, Arg.Any<int>(), Arg.Any<CancellationToken>());
        await jobs.DidNotReceive().NextQueuedAsync(null, Arg.Any<int>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_WhenTheKeysOwnerIsGone_StillLooksOnlyAtThatOwnersQueue()
    {
        var gone = Given.AUser(clock, "gone@example.com");
        var annsJob = Given.AJob(ann, clock);
        jobs.NextQueuedAsync(null, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns([annsJob]);

        var claimed = await Handler().Handle(new ClaimJobCommand(annsWorker.Id, gone.Id, null), TestContext.Current.CancellationToken);

        Assert.Null(claimed);
        Assert.Equal(JobStatus.Queued, annsJob.Status);
        await jobs.Received(1).NextQueuedAsync(gone.Id, Arg.Any<int>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_AfterALostRace_SpreadsOverTheOldestJobsOfTheFirstPriority_NeverALowerOne()
    {
        var picked = new List<int>();
        for (var run = 0; run < 60; run++)
        {
            // Each run reads a fresh queue, as a run on a fresh scope does: two high-priority jobs, then a normal one.
            IReadOnlyList<PipelineJob> Queue() => [Given.AJob(ann, clock, JobPriority.High), Given.AJob(ann, clock, JobPriority.High), Given.AJob(ann, clock)];
            var lostRead = Queue();
            var freshRead = Queue();
            jobs.NextQueuedAsync(ann.Id, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(lostRead, freshRead);
            var command = new ClaimJobCommand(annsWorker.Id, ann.Id, null);

            var claimed = await LostRace.RunTwiceAsync(command, attempt => Handler(attempt).Handle(command, TestContext.Current.CancellationToken));

            var index = freshRead.ToList().FindIndex(j => j.Id == claimed?.JobId);
            Assert.InRange(index, 0, 1);
            Assert.Equal(JobStatus.Queued, freshRead[2].Status);
            picked.Add(index);
        }

        // Not always the first: losers that all went for the same job would lose again.
        Assert.Contains(0, picked);
        Assert.Contains(1, picked);
    }
}
