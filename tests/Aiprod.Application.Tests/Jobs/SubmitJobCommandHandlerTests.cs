using Aiprod.Application.Abstractions;
using Aiprod.Application.Idempotency;
using Aiprod.Application.Jobs;
using Aiprod.Application.Jobs.Commands.SubmitJob;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.Jobs;

public sealed class SubmitJobCommandHandlerTests
{
    private readonly IJobRepository jobs = Substitute.For<IJobRepository>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;
    private PipelineJob? added;

    public SubmitJobCommandHandlerTests()
    {
        ann = Given.AUser(clock);
        jobs.Add(Arg.Do<PipelineJob>(j => added = j));
    }

    private SubmitJobCommandHandler Handler() => new(jobs, audit, new IdempotencyLedger(Substitute.For<IIdempotencyRecordRepository>(), clock), Options.Create(new JobOptions()), clock);

    [Fact]
    public async Task Handle_WithOnlyContent_QueuesAJobWithTheDefaults_AndAuditsIt()
    {
        var submitted = (await Handler().Handle(new SubmitJobCommand(ann.Id, "A spot for a bakery.", null, null, null, null), TestContext.Current.CancellationToken)).Value!.Value;

        Assert.NotNull(added);
        Assert.Equal(ann.Id, added.OwnerId);
        Assert.Equal((JobDefaults.Preset, JobDefaults.Priority, JobDefaults.Lang, JobDefaults.DurationSec), (added.Preset, added.Priority, added.Lang, added.DurationSec));
        Assert.Equal((added.Id, JobStatus.Queued), (submitted.JobId, submitted.Status));
        Assert.Equal(clock.GetUtcNow().AddSeconds(30), submitted.CheckStatusAt);
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.JobSubmitted, AuditOutcome.Success, added.Id.ToString()), (entry.EventType, entry.Outcome, entry.Target));
        Assert.Equal(("quick_social", "normal"), (entry.Details!["preset"], entry.Details["priority"]));
        var raised = Assert.IsType<JobEventRecorded>(Assert.Single(added.TakeDomainEvents())).Event;
        Assert.Equal(JobStatus.Queued, raised.ToStatus);
    }

    [Fact]
    public async Task Handle_KeepsWhatTheSubmitterChose_AndCapsTheFirstLookAt30Seconds()
    {
        var submitted = (await Handler().Handle(
            new SubmitJobCommand(ann.Id, "A premium spot.", JobPreset.PremiumSpot, JobPriority.High, "pt-BR", 120), TestContext.Current.CancellationToken)).Value!.Value;

        Assert.NotNull(added);
        Assert.Equal((JobPreset.PremiumSpot, JobPriority.High, "pt-BR", 120), (added.Preset, added.Priority, added.Lang, added.DurationSec));
        Assert.Equal(clock.GetUtcNow().AddSeconds(30), submitted.CheckStatusAt);
    }

    [Fact]
    public async Task Handle_AShortJob_IsWorthALookAfterItsOwnLength()
    {
        var submitted = (await Handler().Handle(new SubmitJobCommand(ann.Id, "A teaser.", null, null, null, 10), TestContext.Current.CancellationToken)).Value!.Value;

        Assert.Equal(clock.GetUtcNow().AddSeconds(10), submitted.CheckStatusAt);
    }
}
