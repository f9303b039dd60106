using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Jobs.Queries.ListJobs;

public sealed record ListJobsQuery(
    UserId OwnerId,
    JobStatus? Status,
    JobPreset? Preset,
    DateTimeOffset? CreatedFrom,
    DateTimeOffset? CreatedTo,
    string? Sort,
    int? Limit,
    int? Offset) : IQuery<JobPageDto>;

public sealed class ListJobsQueryValidator : AbstractValidator<ListJobsQuery>
{
    public const int MaxLimit = 100;
    public static readonly string[] Sorts = ["created_at", "-created_at", "priority", "-priority", "updated_at", "-updated_at"];

    public ListJobsQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).When(q => q.Limit is not null).WithMessage($"limit must be between 1 and {MaxLimit}.");
        RuleFor(q => q.Offset).GreaterThanOrEqualTo(0).When(q => q.Offset is not null).WithMessage("offset cannot be negative.");
        RuleFor(q => q.Sort).Must(s => s is null || Sorts.Contains(s)).WithMessage($"sort must be one of {string.Join(", ", Sorts)}.");
        RuleFor(q => q).Must(q => q.CreatedFrom is null || q.CreatedTo is null || q.CreatedFrom <= q.CreatedTo)
            .WithName("created_from").WithMessage("created_from must not be after created_to.");
    }
}

public sealed class ListJobsQueryHandler(IJobRepository jobs) : IQueryHandler<ListJobsQuery, JobPageDto>
{
    public async ValueTask<JobPageDto> Handle(ListJobsQuery query, CancellationToken cancellationToken)
    {
        var filter = new JobListFilter(query.OwnerId, query.Status, query.Preset, query.CreatedFrom, query.CreatedTo,
            query.Sort ?? "-created_at", query.Limit ?? 20, query.Offset ?? 0);
        var (items, total) = await jobs.ListAsync(filter, cancellationToken);
        return new JobPageDto(items.Select(j => j.ToSummary()).ToList(), total, filter.Limit, filter.Offset);
    }
}
