using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Domain.Tests;

public sealed class PipelineJobTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly JobPolicy Policy = new(MaxRetries: 2, MaxLogLines: 3);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 9, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly ApiKeyId worker = new(Guid.NewGuid());

    private PipelineJob Submit() => PipelineJob.Submit(new UserId(Guid.NewGuid()), "a teaser", JobPreset.QuickSocial, JobPriority.Normal, "en", 30, clock.GetUtcNow());

    private PipelineJob Running()
    {
        var job = Submit();
        Assert.True(job.Claim(worker, clock.GetUtcNow(), Lease).IsSuccess);
        return job;
    }

    [Fact]
    public void Submit_IsQueuedWithItsFirstEvent()
    {
        var job = Submit();

        Assert.Equal(JobStatus.Queued, job.Status);
        var first = Assert.Single(job.Events);
        Assert.Equal(1, first.Sequence);
        Assert.Equal(JobStatus.Queued, first.ToStatus);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(601)]
    public void Submit_WithADurationOutOfRange_Throws(int seconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PipelineJob.Submit(new UserId(Guid.NewGuid()), "x", JobPreset.QuickSocial, JobPriority.Low, "en", seconds, clock.GetUtcNow()));
    }

    [Fact]
    public void Claim_StartsItAndHoldsTheLease()
    {
        var job = Running();

        Assert.Equal(JobStatus.Running, job.Status);
        Assert.Equal(worker, job.WorkerKeyId);
        Assert.Equal(clock.GetUtcNow() + Lease, job.LeaseExpiresAt);
        Assert.Equal(clock.GetUtcNow(), job.StartedAt);
        Assert.Equal(JobStatus.Running, job.Events.Last().ToStatus);
    }

    [Fact]
    public void Claim_OfAJobThatIsNotQueued_IsRefused()
    {
        var job = Running();

        Assert.Equal("illegal_transition", job.Claim(new ApiKeyId(Guid.NewGuid()), clock.GetUtcNow(), Lease).Error?.Code);
    }

    [Fact]
    public void Progress_RenewsTheLease_AndOnlyTheHolderMayReport()
    {
        var job = Running();
        clock.Advance(TimeSpan.FromSeconds(50));

        Assert.True(job.ReportProgress(worker, 40, "scene 2", clock.GetUtcNow(), Lease).IsSuccess);
        Assert.Equal(clock.GetUtcNow() + Lease, job.LeaseExpiresAt);
        Assert.Equal(40, job.Progress);
        Assert.Equal("lease_not_held", job.ReportProgress(new ApiKeyId(Guid.NewGuid()), 50, null, clock.GetUtcNow(), Lease).Error?.Code);
        Assert.Equal("invalid_progress", job.ReportProgress(worker, 101, null, clock.GetUtcNow(), Lease).Error?.Code);
    }

    [Fact]
    public void Reports_AfterTheLeaseLapsed_AreRefused()
    {
        var job = Running();
        clock.Advance(Lease);

        Assert.Equal("lease_expired", job.ReportProgress(worker, 10, null, clock.GetUtcNow(), Lease).Error?.Code);
        Assert.Equal("lease_expired", job.Complete(worker, "{}", null, clock.GetUtcNow()).Error?.Code);
    }

    [Fact]
    public void Logs_WithALevelOutsideTheSet_AreABug_AndNothingIsKept()
    {
        var job = Running();

        Assert.Throws<ArgumentOutOfRangeException>(() => job.AppendLogs(worker, [(JobLogLevel.Info, "1"), ((JobLogLevel)42, "2")], clock.GetUtcNow(), Policy));

        Assert.Equal(0, job.LogCount);
    }

    [Fact]
    public void Logs_AreCappedAndTheRestCounted()
    {
        var job = Running();

        job.AppendLogs(worker, [(JobLogLevel.Info, "1"), (JobLogLevel.Info, "2"), (JobLogLevel.Warning, "3"), (JobLogLevel.Error, "4"), (JobLogLevel.Info, "5")], clock.GetUtcNow(), Policy);

        Assert.Equal(3, job.LogCount);
        Assert.Equal(2, job.DroppedLogCount);
        Assert.Equal(3, job.Events.Count(e => e.Type == JobEventType.Log));
    }

    [Fact]
    public void Complete_RecordsTheResultAndEndsTheLease()
    {
        var job = Running();
        clock.Advance(TimeSpan.FromSeconds(20));

        Assert.True(job.Complete(worker, "{\"url\":\"s3://x\"}", null, clock.GetUtcNow()).IsSuccess);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.True(job.ResultSuccess);
        Assert.Equal(100, job.Progress);
        Assert.Equal(20_000, job.ExecutionTimeMs);
        Assert.Null(job.WorkerKeyId);
        Assert.Null(job.LeaseExpiresAt);
    }

    [Fact]
    public void Fail_RecordsTheError()
    {
        var job = Running();

        Assert.True(job.Fail(worker, "CUDA out of memory", 1234, clock.GetUtcNow()).IsSuccess);

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.False(job.ResultSuccess);
        Assert.Equal("CUDA out of memory", job.ErrorMessage);
        Assert.Equal(1234, job.ExecutionTimeMs);
    }

    [Theory]
    [InlineData(JobStatus.Queued)]
    [InlineData(JobStatus.Running)]
    public void Cancel_OfAQueuedOrRunningJob_Works_AndTheWorkerIsToldToStop(JobStatus from)
    {
        var job = from == JobStatus.Queued ? Submit() : Running();

        Assert.True(job.Cancel(clock.GetUtcNow()).IsSuccess);

        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Equal("job_not_running", job.ReportProgress(worker, 10, null, clock.GetUtcNow(), Lease).Error?.Code);
    }

    [Fact]
    public void TerminalJobs_RefuseEveryTransition()
    {
        var completed = Running();
        completed.Complete(worker, "{}", null, clock.GetUtcNow());

        Assert.Equal(ErrorKind.Conflict, completed.Cancel(clock.GetUtcNow()).Error?.Kind);
        Assert.Equal(ErrorKind.Conflict, completed.Claim(worker, clock.GetUtcNow(), Lease).Error?.Kind);
        Assert.Equal(ErrorKind.Conflict, completed.Fail(worker, "late", null, clock.GetUtcNow()).Error?.Kind);
        Assert.False(completed.ExpireLease(clock.GetUtcNow() + TimeSpan.FromDays(1), Policy));
    }

    [Fact]
    public void ExpireLease_WhileItHolds_DoesNothing()
    {
        var job = Running();
        clock.Advance(Lease - TimeSpan.FromTicks(1));

        Assert.False(job.ExpireLease(clock.GetUtcNow(), Policy));
        Assert.Equal(JobStatus.Running, job.Status);
    }

    [Fact]
    public void ExpireLease_RequeuesWithOneMoreRetry_ThenFailsWhenTheyAreSpent()
    {
        var job = Running();
        for (var attempt = 1; attempt <= Policy.MaxRetries; attempt++)
        {
            clock.Advance(Lease);
            Assert.True(job.ExpireLease(clock.GetUtcNow(), Policy));
            Assert.Equal(JobStatus.Queued, job.Status);
            Assert.Equal(attempt, job.RetryCount);
            Assert.Null(job.WorkerKeyId);
            Assert.True(job.Claim(worker, clock.GetUtcNow(), Lease).IsSuccess);
        }

        clock.Advance(Lease);
        Assert.True(job.ExpireLease(clock.GetUtcNow(), Policy));

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.False(job.ResultSuccess);
    }

    [Fact]
    public void Events_AreNumberedWithoutGaps_AndEveryChangeBumpsTheVersion()
    {
        var job = Running();
        var version = job.Version;
        job.ReportProgress(worker, 10, null, clock.GetUtcNow(), Lease);
        job.AppendLogs(worker, [(JobLogLevel.Info, "a")], clock.GetUtcNow(), Policy);
        job.Complete(worker, "{}", null, clock.GetUtcNow());

        Assert.Equal(Enumerable.Range(1, job.Events.Count).Select(i => (long)i), job.Events.Select(e => e.Sequence));
        Assert.Equal(job.Events.Count, job.LastEventSequence);
        Assert.True(job.Version > version);
    }
    [Fact]
    public void Claim_GivesEveryClaimANewId_KeptAfterTheRunEnds()
    {
        var job = Running();
        var first = Assert.NotNull(job.ClaimId);
        Assert.True(job.Fail(worker, "CUDA out of memory", null, clock.GetUtcNow()).IsSuccess);
        Assert.Equal(first, job.ClaimId);

        Assert.True(job.Requeue(clock.GetUtcNow()).IsSuccess);
        Assert.True(job.Claim(worker, clock.GetUtcNow(), Lease).IsSuccess);

        Assert.NotNull(job.ClaimId);
        Assert.NotEqual(first, job.ClaimId);
    }

    /// <summary>The two ways a job is claimed again: an admin requeues it after it failed, or its lease lapsed.</summary>
    public static TheoryData<bool> Requeues => new() { true, false };

    [Theory]
    [MemberData(nameof(Requeues))]
    public void ReportsOfAnEarlierClaim_BySameKey_AreRefusedAsSuperseded_AndChangeNothing(bool byAdmin)
    {
        var job = Running();
        var stale = job.ClaimId;
        if (byAdmin)
        {
            Assert.True(job.Fail(worker, "CUDA out of memory", null, clock.GetUtcNow()).IsSuccess);
            Assert.True(job.Requeue(clock.GetUtcNow()).IsSuccess);
        }
        else
        {
            clock.Advance(Lease * 2);
            Assert.True(job.ExpireLease(clock.GetUtcNow(), Policy));
        }

        Assert.True(job.Claim(worker, clock.GetUtcNow(), Lease).IsSuccess);
        var current = job.ClaimId;
        var (version, events, lease) = (job.Version, job.Events.Count, job.LeaseExpiresAt);

        Assert.Equal("claim_superseded", job.ReportProgress(worker, 90, "old run", clock.GetUtcNow(), Lease, stale).Error?.Code);
        Assert.Equal("claim_superseded", job.AppendLogs(worker, [(JobLogLevel.Info, "old run")], clock.GetUtcNow(), Policy, stale).Error?.Code);
        Assert.Equal("claim_superseded", job.Complete(worker, "{}", null, clock.GetUtcNow(), stale).Error?.Code);
        Assert.Equal("claim_superseded", job.Fail(worker, "old run", null, clock.GetUtcNow(), stale).Error?.Code);
        Assert.Equal(ErrorKind.Conflict, job.Fail(worker, "old run", null, clock.GetUtcNow(), stale).Error?.Kind);
        Assert.Equal((JobStatus.Running, 0, version, events, lease), (job.Status, job.Progress, job.Version, job.Events.Count, job.LeaseExpiresAt));

        Assert.True(job.ReportProgress(worker, 10, null, clock.GetUtcNow(), Lease, current).IsSuccess);
        Assert.True(job.AppendLogs(worker, [(JobLogLevel.Info, "new run")], clock.GetUtcNow(), Policy, current).IsSuccess);
        // Without a claim id a report is judged by the key alone, as before claim ids.
        Assert.True(job.ReportProgress(worker, 20, null, clock.GetUtcNow(), Lease).IsSuccess);
        Assert.True(job.Complete(worker, "{}", null, clock.GetUtcNow(), current).IsSuccess);
        Assert.Equal(JobStatus.Completed, job.Status);
    }

    [Fact]
    public void AnotherKeysReport_IsStillLeaseNotHeld_WhateverClaimIdItSends()
    {
        var job = Running();

        Assert.Equal("lease_not_held", job.ReportProgress(new ApiKeyId(Guid.NewGuid()), 50, null, clock.GetUtcNow(), Lease, job.ClaimId).Error?.Code);
        Assert.Equal("lease_not_held", job.ReportProgress(new ApiKeyId(Guid.NewGuid()), 50, null, clock.GetUtcNow(), Lease, JobClaimId.New(clock.GetUtcNow())).Error?.Code);
    }

    [Fact]
    public void Requeue_AFailedJob_QueuesItAfresh_WithItsRetriesAndResultReset()
    {
        var job = Running();
        clock.Advance(Lease * 2);
        Assert.True(job.ExpireLease(clock.GetUtcNow(), Policy));
        Assert.True(job.Claim(worker, clock.GetUtcNow(), Lease).IsSuccess);
        Assert.True(job.ReportProgress(worker, 60, null, clock.GetUtcNow(), Lease).IsSuccess);
        Assert.True(job.Fail(worker, "CUDA out of memory", 1234, clock.GetUtcNow()).IsSuccess);
        var events = job.Events.Count;

        Assert.True(job.Requeue(clock.GetUtcNow()).IsSuccess);

        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.Equal(0, job.RetryCount);
        Assert.Equal(0, job.Progress);
        Assert.Null(job.ErrorMessage);
        Assert.Null(job.ResultSuccess);
        Assert.Null(job.CompletedAt);
        Assert.Null(job.ExecutionTimeMs);
        Assert.Null(job.WorkerKeyId);
        var requeued = job.Events.Last();
        Assert.Equal(events + 1, job.Events.Count);
        Assert.Equal(JobStatus.Failed, requeued.FromStatus);
        Assert.Equal(JobStatus.Queued, requeued.ToStatus);
        Assert.True(job.Claim(worker, clock.GetUtcNow(), Lease).IsSuccess);
        Assert.Equal("Claimed by a worker.", job.Events.Last().Message);
    }

    [Theory]
    [InlineData(JobStatus.Queued)]
    [InlineData(JobStatus.Running)]
    [InlineData(JobStatus.Completed)]
    [InlineData(JobStatus.Cancelled)]
    public void Requeue_AJobThatIsNotFailed_IsRefusedAndChangesNothing(JobStatus status)
    {
        var job = status == JobStatus.Queued ? Submit() : Running();
        if (status == JobStatus.Completed)
        {
            Assert.True(job.Complete(worker, "{}", null, clock.GetUtcNow()).IsSuccess);
        }
        else if (status == JobStatus.Cancelled)
        {
            Assert.True(job.Cancel(clock.GetUtcNow()).IsSuccess);
        }

        var version = job.Version;

        var result = job.Requeue(clock.GetUtcNow());

        Assert.Equal("job_not_failed", result.Error?.Code);
        Assert.Equal(status, job.Status);
        Assert.Equal(version, job.Version);
    }

    [Fact]
    public void CancelByAdmin_EndsTheJobLikeTheOwnersCancel_AndSaysWhoDidIt()
    {
        var job = Running();

        Assert.True(job.CancelByAdmin(clock.GetUtcNow()).IsSuccess);

        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Null(job.WorkerKeyId);
        Assert.Equal("Cancelled by an admin.", job.Events.Last().Message);
        Assert.Equal("illegal_transition", job.CancelByAdmin(clock.GetUtcNow()).Error?.Code);
    }
}
