using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;

namespace Aiprod.Domain.Tests;

public sealed class ExportJobTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private static ExportJob Queued() =>
        ExportJob.Request(new UserId(Guid.CreateVersion7()), ExportFormat.Csv, null, null, null, null, null, bom: false, null, null, null, Now);

    [Fact]
    public void Claim_WhileTheLeaseHolds_IsRefused_AfterItLapses_StartsAgainAsTheNextAttempt()
    {
        var export = Queued();
        Assert.True(export.Claim(Now, Lease, maxAttempts: 3).Value);
        Assert.True(export.ReportProgress(1, 5, 10, 500, Now, Lease).IsSuccess);

        Assert.False(export.Claim(Now + Lease - TimeSpan.FromSeconds(1), Lease, 3).IsSuccess);
        Assert.True(export.Claim(Now + Lease, Lease, 3).Value);

        Assert.Equal(2, export.Attempt);
        Assert.Equal(0, export.BytesWritten);
    }

    [Fact]
    public void ARunnerThatWasReplaced_CanNeitherReportNorFinish()
    {
        var export = Queued();
        export.Claim(Now, Lease, 3);
        export.Claim(Now + Lease, Lease, 3);

        Assert.Equal("lease_not_held", export.ReportProgress(1, 1, 1, 1, Now + Lease, Lease).Error?.Code);
        Assert.Equal("lease_not_held", export.Succeed(1, "f-1.csv", 10, new string('a', 64), 1, Now + Lease, TimeSpan.FromDays(7)).Error?.Code);
        Assert.True(export.Succeed(2, "f-2.csv", 10, new string('a', 64), 1, Now + Lease, TimeSpan.FromDays(7)).IsSuccess);
        Assert.Equal("f-2.csv", export.FileKey);
    }

    [Fact]
    public void AnExportInterruptedTooOften_Fails_InsteadOfStartingAgain()
    {
        var export = Queued();
        export.Claim(Now, Lease, 2);
        export.Claim(Now + Lease, Lease, 2);

        var third = export.Claim(Now + (2 * Lease), Lease, 2);

        Assert.False(third.Value);
        Assert.Equal(ExportStatus.Failed, export.Status);
        Assert.Equal(ExportFailure.AttemptsExhausted, export.Failure);
    }

    [Fact]
    public void ASucceededExport_ExpiresOnlyAfterItsRetention_KeepingItsHash()
    {
        var export = Queued();
        export.Claim(Now, Lease, 3);
        export.Succeed(1, "f-1.csv", 10, new string('b', 64), 1, Now, TimeSpan.FromDays(7));

        Assert.False(export.Expire(Now.AddDays(7).AddTicks(-1)).IsSuccess);
        Assert.True(export.Expire(Now.AddDays(7)).IsSuccess);

        Assert.Equal(ExportStatus.Expired, export.Status);
        Assert.Null(export.FileKey);
        Assert.Equal(new string('b', 64), export.Sha256);
    }

    [Fact]
    public void Cancel_EndsAQueuedOrRunningExport_AndIsRefusedOnceItEnded()
    {
        var export = Queued();
        export.Claim(Now, Lease, 3);

        Assert.True(export.Cancel(Now).IsSuccess);

        Assert.Equal("lease_not_held", export.Succeed(1, "f-1.csv", 1, new string('c', 64), 1, Now, TimeSpan.FromDays(1)).Error?.Code);
        Assert.Equal("illegal_transition", export.Cancel(Now).Error?.Code);
    }
}
