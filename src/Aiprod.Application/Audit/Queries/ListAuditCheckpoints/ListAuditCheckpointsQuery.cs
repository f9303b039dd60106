using Aiprod.Application.Abstractions;
using Aiprod.Application.Audit.Dtos;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Audit.Queries.ListAuditCheckpoints;

/// <summary>Signed checkpoints, oldest first, with the public key that verifies them: what an operator copies off the machine.</summary>
public sealed record ListAuditCheckpointsQuery(string? After, int? Limit) : IQuery<AuditCheckpointPageDto>;

public sealed class ListAuditCheckpointsQueryValidator : AbstractValidator<ListAuditCheckpointsQuery>
{
    public const int MaxLimit = 100;
    public const int DefaultLimit = 50;

    public ListAuditCheckpointsQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).When(q => q.Limit is not null)
            .OverridePropertyName("limit").WithMessage($"limit must be between 1 and {MaxLimit}.");
        RuleFor(q => q.After).Must(a => AuditCursor.TryDecode(a, AuditCursor.Checkpoints, out _)).When(q => q.After is not null)
            .OverridePropertyName("after").WithMessage("after must be the next_after of an earlier page of this list.");
    }
}

public sealed class ListAuditCheckpointsQueryHandler(IAuditLogReader reader) : IQueryHandler<ListAuditCheckpointsQuery, AuditCheckpointPageDto>
{
    public async ValueTask<AuditCheckpointPageDto> Handle(ListAuditCheckpointsQuery query, CancellationToken cancellationToken)
    {
        var limit = query.Limit ?? ListAuditCheckpointsQueryValidator.DefaultLimit;
        long? after = AuditCursor.TryDecode(query.After, AuditCursor.Checkpoints, out var seq) ? seq : null;
        var rows = await reader.ListCheckpointsAsync(after, limit + 1, cancellationToken);
        var page = rows.Take(limit).ToList();
        return new AuditCheckpointPageDto(reader.PublicKey, page, rows.Count > limit ? AuditCursor.Encode(AuditCursor.Checkpoints, page[^1].Seq) : null);
    }
}
