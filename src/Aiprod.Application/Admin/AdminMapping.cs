using Aiprod.Application.Admin.Dtos;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Admin;

public static class AdminMapping
{
    public static AdminUserStatus StatusAt(this User user, DateTimeOffset now) =>
        user.IsDisabled ? AdminUserStatus.Disabled : user.IsLockedOut(now) ? AdminUserStatus.Locked : AdminUserStatus.Active;

    public static AdminUserDto ToAdminDto(this User user, DateTimeOffset now) => new(
        user.Id, user.Email.Value, user.DisplayName, user.Role, user.StatusAt(now), user.CreatedAt, user.LastLoginAt, user.DisabledAt,
        user.LockoutEndsAt, user.FailedLoginCount);

    public static AdminJobDto ToAdminDto(this PipelineJob job) => new(
        job.Id, job.OwnerId, job.Status, job.Preset, job.Priority, job.Lang, job.DurationSec, job.Progress, job.RetryCount, job.CreatedAt,
        job.UpdatedAt, job.CompletedAt);

    public static JobCountsDto ToJobCounts(this IReadOnlyDictionary<JobStatus, int> counts) => new(
        counts.GetValueOrDefault(JobStatus.Queued), counts.GetValueOrDefault(JobStatus.Running), counts.GetValueOrDefault(JobStatus.Completed),
        counts.GetValueOrDefault(JobStatus.Failed), counts.GetValueOrDefault(JobStatus.Cancelled));
}
