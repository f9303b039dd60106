using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs;
using Aiprod.Application.Jobs.Commands.AppendLogs;
using Aiprod.Application.Jobs.Commands.CompleteJob;
using Aiprod.Application.Jobs.Commands.FailJob;
using Aiprod.Application.Jobs.Commands.ReportProgress;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Jobs;

/// <summary>A worker's reports (progress, logs, completion, failure) on the job it holds, and on jobs it does not.</summary>
public sealed class WorkerReportTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    private readonly IJobRepository jobs = Substitute.For<IJobRepository>();
    private readonly IUserRepository users = Substitute.For<IUserRepository>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly JobOptions options = new() { DefaultLeaseSeconds = 90, MaxLogLines = 2 };
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly ApiKey worker;
    private readonly ApiKey otherWorker;
    private readonly PipelineJob job;

    public WorkerReportTests()
    {
        ann = Given.AUser(clock);
        worker = Given.AWorkerKey(ann, clock);
        otherWorker = Given.AWorkerKey(ann, clock);
        job = Given.ARunningJob(ann, worker, clock, Lease);
        jobs.FindAsync(job.Id, Arg.Any<CancellationToken>()).Returns(job);
    }

    private WorkerReports Reports() => new(jobs, users, Options.Create(options), clock);

    private ValueTask<Result<WorkerAckDto>> ProgressAsync(ApiKey by, PipelineJob of, int progress = 40) =>
        new ReportProgressCommandHandler(Reports()).Handle(new ReportProgressCommand(by.Id, by.OwnerId, of.Id, progress, "scene 2"), TestContext.Current.CancellationToken);

    private ValueTask<Result<WorkerAckDto>> CompleteAsync(ApiKey by, long? executionTimeMs = 1234)
    {
        using var output = JsonDocument.Parse("""{"url":"s3://bucket/out.mp4","frames":720}""");
        return new CompleteJobCommandHandler(Reports()).Handle(new CompleteJobCommand(by.Id, by.OwnerId, job.Id, output.RootElement.Clone(), executionTimeMs), TestContext.Current.CancellationToken);
    }

    private ValueTask<Result<WorkerAckDto>> FailAsync(ApiKey by) =>
        new FailJobCommandHandler(Reports(), audit).Handle(new FailJobCommand(by.Id, by.OwnerId, job.Id, "GPU out of memory", 500), TestContext.Current.CancellationToken);

    private ValueTask<Result<WorkerAckDto>> LogAsync(ApiKey by, params string[] messages) =>
        new AppendLogsCommandHandler(Reports(), Options.Create(options))
            .Handle(new AppendLogsCommand(by.Id, by.OwnerId, job.Id, messages.Select(m => (JobLogLevel.Info, m)).ToList()), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Progress_FromTheHolder_IsRecorded_RenewsTheLease_AndIsAnnounced()
    {
        clock.Advance(TimeSpan.FromSeconds(30));

        var ack = await ProgressAsync(worker, job);

        Assert.True(ack.IsSuccess);
        var renewed = clock.GetUtcNow().AddSeconds(options.DefaultLeaseSeconds);
        Assert.Equal((job.Id, JobStatus.Running, (DateTimeOffset?)renewed), (ack.Value.JobId, ack.Value.Status, ack.Value.LeaseExpiresAt));
        Assert.Equal(40, job.Progress);
        Assert.Equal(renewed, job.LeaseExpiresAt);
        var raised = Assert.IsType<JobEventRecorded>(Assert.Single(job.TakeDomainEvents())).Event;
        Assert.Equal((JobEventType.Progress, (int?)40, "scene 2"), (raised.Type, raised.Progress, raised.Message));
    }

    [Fact]
    public async Task AReport_OnAJobThatDoesNotExist_IsNotFound()
    {
        var neverStored = Given.AJob(ann, clock);

        var ack = await ProgressAsync(worker, neverStored);

        Assert.Equal("job_not_found", ack.Error?.Code);
        Assert.Equal(ErrorKind.NotFound, ack.Error?.Kind);
    }

    [Fact]
    public async Task AReport_OnAJobStillQueued_IsNotFound_SoNoWorkerLearnsOfJobsItWasNeverGiven()
    {
        var queued = Given.AJob(ann, clock);
        jobs.FindAsync(queued.Id, Arg.Any<CancellationToken>()).Returns(queued);

        var ack = await ProgressAsync(worker, queued);

        Assert.Equal("job_not_found", ack.Error?.Code);
        Assert.Equal((JobStatus.Queued, 0), (queued.Status, queued.Progress));
        Assert.Empty(queued.TakeDomainEvents());
    }

    [Fact]
    public async Task AReport_FromAWorkerThatDoesNotHoldTheJob_IsRefused_AndChangesNothing()
    {
        var lease = job.LeaseExpiresAt;

        var ack = await ProgressAsync(otherWorker, job);

        Assert.Equal((ErrorKind.Conflict, "lease_not_held"), (ack.Error?.Kind, ack.Error?.Code));
        Assert.Equal((0, lease), (job.Progress, job.LeaseExpiresAt));
        Assert.Equal(worker.Id, job.WorkerKeyId);
        Assert.Empty(job.TakeDomainEvents());
    }

    [Fact]
    public async Task AReport_OnceTheLeaseLapsed_IsRefused()
    {
        clock.Advance(Lease);

        var ack = await ProgressAsync(worker, job);

        Assert.Equal("lease_expired", ack.Error?.Code);
        Assert.Equal(0, job.Progress);
        Assert.Empty(job.TakeDomainEvents());
    }

    [Fact]
    public async Task AReport_OnAJobTheOwnerCancelled_TellsTheWorkerToStop()
    {
        _ = job.Cancel(clock.GetUtcNow());
        _ = job.TakeDomainEvents();

        var ack = await ProgressAsync(worker, job);

        Assert.Equal((ErrorKind.Conflict, "job_not_running"), (ack.Error?.Kind, ack.Error?.Code));
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Empty(job.TakeDomainEvents());
    }

    [Fact]
    public async Task Complete_FromTheHolder_StoresTheOutput_EndsTheJob_AndReleasesTheLease()
    {
        var ack = await CompleteAsync(worker);

        Assert.True(ack.IsSuccess);
        Assert.Equal((JobStatus.Completed, (DateTimeOffset?)null), (ack.Value.Status, ack.Value.LeaseExpiresAt));
        Assert.Equal((JobStatus.Completed, true, 100, (long?)1234), (job.Status, job.ResultSuccess, job.Progress, job.ExecutionTimeMs));
        Assert.Equal("s3://bucket/out.mp4", JsonDocument.Parse(job.ResultOutput!).RootElement.GetProperty("url").GetString());
        Assert.Null(job.WorkerKeyId);
        Assert.Equal(clock.GetUtcNow(), job.CompletedAt);
        var raised = Assert.IsType<JobEventRecorded>(Assert.Single(job.TakeDomainEvents())).Event;
        Assert.Equal((JobStatus.Running, JobStatus.Completed), (raised.FromStatus, raised.ToStatus));
    }

    [Fact]
    public async Task Complete_WithoutAnExecutionTime_CountsItFromTheClaim()
    {
        clock.Advance(TimeSpan.FromSeconds(42));

        await CompleteAsync(worker, executionTimeMs: null);

        Assert.Equal(42_000, job.ExecutionTimeMs);
    }

    [Fact]
    public async Task Complete_ASecondTime_IsRefused_AndKeepsTheFirstResult()
    {
        await CompleteAsync(worker);
        _ = job.TakeDomainEvents();

        var again = await CompleteAsync(worker, executionTimeMs: 9999);

        Assert.Equal("job_not_running", again.Error?.Code);
        Assert.Equal(1234, job.ExecutionTimeMs);
        Assert.Empty(job.TakeDomainEvents());
    }

    [Fact]
    public async Task Fail_FromTheHolder_FailsTheJob_AndAuditsItAsTheWorker()
    {
        var ack = await FailAsync(worker);

        Assert.Equal(JobStatus.Failed, ack.Value?.Status);
        Assert.Equal((JobStatus.Failed, false, "GPU out of memory", (long?)500), (job.Status, job.ResultSuccess, job.ErrorMessage, job.ExecutionTimeMs));
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.JobFailureReported, AuditOutcome.Failure, job.Id.ToString()), (entry.EventType, entry.Outcome, entry.Target));
        Assert.Equal(((ActorKind?)ActorKind.ApiKey, worker.Id.ToString()), (entry.ActorKind, entry.ActorId));
        Assert.Equal(worker.Id, entry.Details!["worker_key_id"]);
        Assert.Equal("GPU out of memory", entry.Details["error_message"]);
        var raised = Assert.IsType<JobEventRecorded>(Assert.Single(job.TakeDomainEvents())).Event;
        Assert.Equal(JobStatus.Failed, raised.ToStatus);
    }

    [Theory]
    [InlineData("running")]
    [InlineData("completed")]
    [InlineData("cancelled")]
    public async Task AReport_FromAnotherUsersKey_IsAnsweredAsIfTheJobDidNotExist_WhateverItsState(string state)
    {
        var bob = Given.AUser(clock, "bob@example.com");
        users.IsAdminAsync(bob.Id, Arg.Any<CancellationToken>()).Returns(bob.Role == UserRole.Admin);
        var bobsWorker = Given.AWorkerKey(bob, clock);
        if (state == "completed")
        {
            Assert.True((await CompleteAsync(worker)).IsSuccess);
        }
        else if (state == "cancelled")
        {
            Assert.True(job.Cancel(clock.GetUtcNow()).IsSuccess);
        }

        job.TakeDomainEvents();
        var ack = await ProgressAsync(bobsWorker, job);

        Assert.Equal((ErrorKind.NotFound, "job_not_found"), (ack.Error?.Kind, ack.Error?.Code));
        Assert.Empty(job.TakeDomainEvents());
    }

    [Fact]
    public async Task AStrangersReport_OnAMissingJob_CostsTheSameReadsAsOnAnotherUsersJob()
    {
        var bob = Given.AUser(clock, "bob@example.com");
        users.IsAdminAsync(bob.Id, Arg.Any<CancellationToken>()).Returns(bob.Role == UserRole.Admin);
        var bobsWorker = Given.AWorkerKey(bob, clock);

        var missing = await ProgressAsync(bobsWorker, Given.AJob(ann, clock));
        var foreign = await ProgressAsync(bobsWorker, job);

        Assert.Equal(missing.Error?.Code, foreign.Error?.Code);
        await users.Received(2).IsAdminAsync(bob.Id, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task AReport_FromAnAdminsKey_OnAJobItDoesNotHold_IsToldWhy()
    {
        var ops = Given.AnAdmin(clock);
        users.IsAdminAsync(ops.Id, Arg.Any<CancellationToken>()).Returns(ops.Role == UserRole.Admin);

        var ack = await ProgressAsync(Given.AWorkerKey(ops, clock), job);

        Assert.Equal((ErrorKind.Conflict, "lease_not_held"), (ack.Error?.Kind, ack.Error?.Code));
    }

    [Fact]
    public async Task Fail_FromAWorkerThatDoesNotHoldTheJob_IsRefused_AndAuditsNothing()
    {
        var ack = await FailAsync(otherWorker);

        Assert.Equal("lease_not_held", ack.Error?.Code);
        Assert.Equal(JobStatus.Running, job.Status);
        Assert.Empty(audit.Entries());
        Assert.Empty(job.TakeDomainEvents());
    }

    [Fact]
    public async Task Logs_PastTheCap_AreCountedNotKept()
    {
        var ack = await LogAsync(worker, "frame 100", "frame 200", "frame 300");

        Assert.True(ack.IsSuccess);
        Assert.Equal((2, 1), (job.LogCount, job.DroppedLogCount));
        var kept = job.TakeDomainEvents().Cast<JobEventRecorded>().Select(e => e.Event).ToList();
        Assert.Equal(["frame 100", "frame 200"], kept.Select(e => e.Message));
        Assert.All(kept, e => Assert.Equal((JobEventType.Log, JobLogLevel.Info), (e.Type, e.Level)));
    }

    [Fact]
    public async Task Logs_FromAWorkerThatDoesNotHoldTheJob_AreRefused()
    {
        var ack = await LogAsync(otherWorker, "frame 100");

        Assert.Equal("lease_not_held", ack.Error?.Code);
        Assert.Equal(0, job.LogCount);
        Assert.Empty(job.TakeDomainEvents());
    }
}
