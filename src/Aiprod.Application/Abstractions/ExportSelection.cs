using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

/// <summary>
/// Which of one owner's jobs an export holds: the listed ids when given (jobs of other owners are never included),
/// otherwise every job that passes the filters of <c>GET /pipeline/jobs</c>.
/// </summary>
public sealed record ExportSelection(
    UserId OwnerId,
    IReadOnlyList<JobId>? JobIds,
    JobStatus? Status,
    JobPreset? Preset,
    DateTimeOffset? CreatedFrom,
    DateTimeOffset? CreatedTo);
