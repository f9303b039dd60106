using Aiprod.Application.Abstractions;
using Aiprod.Application.Admin.Dtos;
using Aiprod.Application.Jobs;
using Aiprod.Application.Jobs.Queries.ListJobs;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Queries.ListAllJobs;

/// <summary>Every user's jobs with the filters of the owner's list, and the owner by id or by email address.</summary>
public sealed record ListAllJobsQuery(
    UserId? OwnerId,
    string? OwnerEmail,
    JobStatus? Status,
    JobPreset? Preset,
    DateTimeOffset? CreatedFrom,
    DateTimeOffset? CreatedTo,
    JobSortOrder? Sort,
    int? Limit,
    int? Offset) : IQuery<AdminJobPageDto>;

public sealed class ListAllJobsQueryValidator : AbstractValidator<ListAllJobsQuery>
{
    public ListAllJobsQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, ListJobsQueryValidator.MaxLimit).When(q => q.Limit is not null)
            .OverridePropertyName("limit").WithMessage($"limit must be between 1 and {ListJobsQueryValidator.MaxLimit}.");
        RuleFor(q => q.Offset).GreaterThanOrEqualTo(0).When(q => q.Offset is not null).OverridePropertyName("offset").WithMessage("offset cannot be negative.");
        RuleFor(q => q).Must(q => q.CreatedFrom is null || q.CreatedTo is null || q.CreatedFrom <= q.CreatedTo)
            .WithName("created_from").WithMessage("created_from must not be after created_to.");
        RuleFor(q => q.OwnerEmail).Must(e => Email.TryCreate(e, out _)).When(q => q.OwnerEmail is not null)
            .OverridePropertyName("owner_email").WithMessage("owner_email must be a whole email address.");
        RuleFor(q => q).Must(q => q.OwnerId is null || q.OwnerEmail is null)
            .WithName("owner_email").WithMessage("Give owner_id or owner_email, not both.");
    }
}

public sealed class ListAllJobsQueryHandler(IJobRepository jobs, IUserRepository users) : IQueryHandler<ListAllJobsQuery, AdminJobPageDto>
{
    public async ValueTask<AdminJobPageDto> Handle(ListAllJobsQuery query, CancellationToken cancellationToken)
    {
        var limit = query.Limit ?? 20;
        var offset = query.Offset ?? 0;
        var owner = query.OwnerId;
        if (query.OwnerEmail is not null && Email.TryCreate(query.OwnerEmail, out var email))
        {
            // An address without an account owns no job: an empty page, as for an owner id nobody has.
            var found = await users.FindByEmailAsync(email, cancellationToken);
            if (found is null)
            {
                return new AdminJobPageDto([], 0, limit, offset);
            }

            owner = found.Id;
        }

        var filter = new JobListFilter(owner, query.Status, query.Preset, query.CreatedFrom, query.CreatedTo,
            query.Sort ?? JobSortOrder.CreatedAtDescending, limit, offset);
        var (items, total) = await jobs.ListAsync(filter, cancellationToken);
        return new AdminJobPageDto(items.Select(j => j.ToAdminDto()).ToList(), total, limit, offset);
    }
}
