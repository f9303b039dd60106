using Aiprod.Application.Abstractions;
using Aiprod.Application.Audit.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Audit.Queries.ListAuditEvents;

/// <summary>
/// Audit events, newest first, a page at a time. A user sees the events they did or that were done to them (actor or
/// target is their id); an admin sees every event and may filter by actor.
/// </summary>
public sealed record ListAuditEventsQuery(
    string CallerId,
    bool CallerIsAdmin,
    string? Actor,
    string? Type,
    AuditOutcome? Outcome,
    string? Target,
    DateTimeOffset? Since,
    DateTimeOffset? Until,
    string? After,
    int? Limit) : IQuery<Result<AuditEventPageDto>>;

public sealed class ListAuditEventsQueryValidator : AbstractValidator<ListAuditEventsQuery>
{
    public const int MaxLimit = 100;
    public const int DefaultLimit = 50;

    public ListAuditEventsQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).When(q => q.Limit is not null)
            .OverridePropertyName("limit").WithMessage($"limit must be between 1 and {MaxLimit}.");
        RuleFor(q => q.After).Must(a => AuditCursor.TryDecode(a, AuditCursor.Events, out _)).When(q => q.After is not null)
            .OverridePropertyName("after").WithMessage("after must be the next_after of an earlier page of this list.");
        RuleFor(q => q.Type).Must(BeATypeOrAPrefix).When(q => q.Type is not null)
            .OverridePropertyName("type").WithMessage("type must be an event type (resource.action, e.g. login.failed) or a resource followed by .* (e.g. api_key.*).");
        RuleFor(q => q.Outcome).IsInEnum().OverridePropertyName("outcome").WithMessage("outcome must be success or failure.");
        // Targets and actors are ids and email addresses, printable ASCII, as the audit rows store them.
        RuleFor(q => q.Target).Must(t => IsPrintableAscii(t, 256)).When(q => q.Target is not null)
            .OverridePropertyName("target").WithMessage("target is at most 256 printable ASCII characters (an id or an email address).");
        RuleFor(q => q.Actor).Must(a => IsPrintableAscii(a, 64)).When(q => q.Actor is not null)
            .OverridePropertyName("actor").WithMessage("actor is at most 64 printable ASCII characters (a user id).");
        RuleFor(q => q.Until).GreaterThan(q => q.Since).When(q => q.Since is not null && q.Until is not null)
            .OverridePropertyName("until").WithMessage("until must be after since.");
    }

    private static bool IsPrintableAscii(string? value, int maxLength) =>
        value is not null && value.Length <= maxLength && value.All(c => c is > ' ' and <= '~');

    internal static string? PrefixOf(string type) =>
        type.EndsWith(".*", StringComparison.Ordinal) && AuditEventTypes.FollowsTheScheme(type[..^2] + ".x") ? type[..^1] : null;

    private static bool BeATypeOrAPrefix(string? type) =>
        type is { Length: <= AuditEvent.EventTypeMaxLength } && (AuditEventTypes.FollowsTheScheme(type) || PrefixOf(type) is not null);
}

public sealed class ListAuditEventsQueryHandler(IAuditLogReader reader) : IQueryHandler<ListAuditEventsQuery, Result<AuditEventPageDto>>
{
    public async ValueTask<Result<AuditEventPageDto>> Handle(ListAuditEventsQuery query, CancellationToken cancellationToken)
    {
        if (query.Actor is not null && !query.CallerIsAdmin && !string.Equals(query.Actor, query.CallerId, StringComparison.Ordinal))
        {
            return AuditErrors.AdminOnlyFilter;
        }

        var limit = query.Limit ?? ListAuditEventsQueryValidator.DefaultLimit;
        long? before = AuditCursor.TryDecode(query.After, AuditCursor.Events, out var id) ? id : null;
        var prefix = query.Type is null ? null : ListAuditEventsQueryValidator.PrefixOf(query.Type);
        var filter = new AuditEventFilter(
            OwnUserId: query.CallerIsAdmin ? null : query.CallerId,
            ActorId: query.Actor,
            EventType: prefix is null ? query.Type : null,
            EventTypePrefix: prefix,
            Outcome: query.Outcome,
            Target: query.Target,
            Since: query.Since,
            Until: query.Until);
        var rows = await reader.ListAsync(filter, before, limit + 1, cancellationToken);
        var page = rows.Take(limit).ToList();
        return new AuditEventPageDto(page, rows.Count > limit ? AuditCursor.Encode(AuditCursor.Events, page[^1].EventId) : null);
    }
}
