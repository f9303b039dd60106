using Aiprod.Application.Abstractions;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Exports.Queries.ListExports;

/// <summary>The caller's exports, newest first.</summary>
public sealed record ListExportsQuery(UserId OwnerId, ExportStatus? Status, int? Limit, int? Offset) : IQuery<ExportPageDto>;

public sealed class ListExportsQueryValidator : AbstractValidator<ListExportsQuery>
{
    public const int MaxLimit = 100;

    public ListExportsQueryValidator()
    {
        RuleFor(q => q.Status).IsInEnum().WithMessage("status must be queued, running, succeeded, failed, cancelled or expired.");
        RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).When(q => q.Limit is not null).WithMessage($"limit must be between 1 and {MaxLimit}.");
        RuleFor(q => q.Offset).GreaterThanOrEqualTo(0).When(q => q.Offset is not null).WithMessage("offset cannot be negative.");
    }
}

public sealed class ListExportsQueryHandler(IExportJobRepository exports) : IQueryHandler<ListExportsQuery, ExportPageDto>
{
    public async ValueTask<ExportPageDto> Handle(ListExportsQuery query, CancellationToken cancellationToken)
    {
        var limit = query.Limit ?? 20;
        var offset = query.Offset ?? 0;
        var (items, total) = await exports.ListAsync(query.OwnerId, query.Status, limit, offset, cancellationToken);
        return new ExportPageDto(items.Select(ExportDto.Of).ToList(), total, limit, offset);
    }
}
