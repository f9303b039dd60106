using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Queries.GetJob;
using Aiprod.Application.Jobs.Queries.GetJobEvents;
using Aiprod.Application.Jobs.Queries.GetJobSnapshot;
using Aiprod.Application.Jobs.Queries.ListJobs;
using Aiprod.Application.Jobs;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Jobs;

/// <summary>What an owner reads of their jobs: one job, its events, a page of them; never another user's.</summary>
public sealed class JobQueryTests
{
    private readonly IJobRepository jobs = Substitute.For<IJobRepository>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private readonly User bob;
    private readonly ApiKey worker;
    private readonly PipelineJob job;

    public JobQueryTests()
    {
        ann = Given.AUser(clock);
        bob = Given.AUser(clock, "bob@example.com");
        worker = Given.AWorkerKey(ann, clock);
        job = Given.ARunningJob(ann, worker, clock, TimeSpan.FromMinutes(1));
        _ = job.AppendLogs(worker.Id, [(JobLogLevel.Warning, "frame 100 is dark")], clock.GetUtcNow(), JobPolicy.Default);
        _ = job.Complete(worker.Id, """{"url":"s3://out.mp4"}""", 1000, clock.GetUtcNow());
        jobs.FindOwnedAsync(ann.Id, job.Id, Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(job);
    }

    [Fact]
    public async Task GetJob_OfTheOwner_GivesItsHistoryLogsAndResult()
    {
        var details = await new GetJobQueryHandler(jobs).Handle(new GetJobQuery(ann.Id, job.Id), TestContext.Current.CancellationToken);

        Assert.True(details.IsSuccess);
        Assert.Equal((job.Id, JobStatus.Completed, 4L), (details.Value.JobId, details.Value.Status, details.Value.LastEventId));
        Assert.Equal([JobStatus.Queued, JobStatus.Running, JobStatus.Completed], details.Value.StateHistory.Select(s => s.To));
        Assert.Equal((JobLogLevel.Warning, "frame 100 is dark"), (Assert.Single(details.Value.Logs).Level, details.Value.Logs[0].Message));
        Assert.NotNull(details.Value.Result);
        Assert.True(details.Value.Result.Success);
        Assert.Equal("s3://out.mp4", details.Value.Result.Output?.GetProperty("url").GetString());
        // The history is part of the answer: the job is read with its events.
        await jobs.Received(1).FindOwnedAsync(ann.Id, job.Id, true, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task GetJob_OfAnotherUser_IsNotFound()
    {
        var details = await new GetJobQueryHandler(jobs).Handle(new GetJobQuery(bob.Id, job.Id), TestContext.Current.CancellationToken);

        Assert.Equal(JobErrors.NotFound, details.Error);
    }

    [Fact]
    public async Task GetJobSnapshot_OfTheOwner_GivesTheStateAndLastEvent_AndOfAnotherUser_IsNotFound()
    {
        var handler = new GetJobSnapshotQueryHandler(jobs);

        var mine = await handler.Handle(new GetJobSnapshotQuery(ann.Id, job.Id), TestContext.Current.CancellationToken);
        var theirs = await handler.Handle(new GetJobSnapshotQuery(bob.Id, job.Id), TestContext.Current.CancellationToken);

        Assert.Equal((job.Id, JobStatus.Completed, 100, 4L), (mine.Value?.JobId, mine.Value?.Status, mine.Value?.Progress, mine.Value?.LastEventId));
        Assert.Equal(JobErrors.NotFound, theirs.Error);
    }

    [Fact]
    public async Task GetJobEvents_OfTheOwner_GivesThoseAfterTheLastSeen()
    {
        jobs.EventsAfterAsync(job.Id, 2, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(job.Events.Where(e => e.Sequence > 2).ToList());

        var events = await new GetJobEventsQueryHandler(jobs).Handle(new GetJobEventsQuery(ann.Id, job.Id, 2), TestContext.Current.CancellationToken);

        Assert.Equal([3L, 4L], events.Value?.Select(e => e.EventId));
        Assert.Equal(["log", "state_changed"], events.Value?.Select(e => e.Type));
    }

    [Fact]
    public async Task GetJobEvents_OfAnotherUser_IsNotFound_AndReadsNoEvents()
    {
        var events = await new GetJobEventsQueryHandler(jobs).Handle(new GetJobEventsQuery(bob.Id, job.Id, 0), TestContext.Current.CancellationToken);

        Assert.Equal(JobErrors.NotFound, events.Error);
        await jobs.DidNotReceiveWithAnyArgs().EventsAfterAsync(default, default, default, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ListJobs_WithoutPaging_GivesTheNewestTwentyFirst()
    {
        JobListFilter? asked = null;
        jobs.ListAsync(Arg.Do<JobListFilter>(f => asked = f), Arg.Any<CancellationToken>()).Returns(([job], 41));

        var page = await new ListJobsQueryHandler(jobs).Handle(new ListJobsQuery(ann.Id, null, null, null, null, null, null, null), TestContext.Current.CancellationToken);

        Assert.NotNull(asked);
        Assert.Equal(ann.Id, asked.OwnerId);
        Assert.Equal((JobSortOrder.CreatedAtDescending, 20, 0), (asked.Sort, asked.Limit, asked.Offset));
        Assert.Equal((41, 20, 0), (page.Total, page.Limit, page.Offset));
        Assert.Equal(job.Id, Assert.Single(page.Items).JobId);
    }

    [Fact]
    public async Task ListJobs_PassesEveryFilterAndThePageAsked()
    {
        JobListFilter? asked = null;
        jobs.ListAsync(Arg.Do<JobListFilter>(f => asked = f), Arg.Any<CancellationToken>()).Returns(([], 3));
        var from = clock.GetUtcNow().AddDays(-7);
        var to = clock.GetUtcNow();

        var page = await new ListJobsQueryHandler(jobs).Handle(
            new ListJobsQuery(ann.Id, JobStatus.Failed, JobPreset.BrandCampaign, from, to, JobSortOrder.PriorityAscending, 5, 10), TestContext.Current.CancellationToken);

        Assert.NotNull(asked);
        Assert.Equal((JobStatus.Failed, JobPreset.BrandCampaign, from, to), (asked.Status, asked.Preset, asked.CreatedFrom, asked.CreatedTo));
        Assert.Equal((JobSortOrder.PriorityAscending, 5, 10), (asked.Sort, asked.Limit, asked.Offset));
        Assert.Equal((3, 5, 10), (page.Total, page.Limit, page.Offset));
        Assert.Empty(page.Items);
    }
}
