using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Idempotency;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Exports.Commands.CreateExport;

/// <summary>
/// Queues an export. With an <c>Idempotency-Key</c>, the same key and body answer the export the first request
/// created, and the same key with another body is refused. The check reads under the write lock
/// (<see cref="IDecidesUnderWriteLock"/>), so racing duplicates see the first one's row; the unique index on
/// (owner, key) stays the backstop where the database does not serialise them.
/// </summary>
public sealed record CreateExportCommand(
    UserId OwnerId,
    ExportFormat? Format,
    IReadOnlyList<JobId>? JobIds,
    JobStatus? Status,
    JobPreset? Preset,
    DateTimeOffset? CreatedFrom,
    DateTimeOffset? CreatedTo,
    bool? Bom,
    IReadOnlyList<string>? Columns,
    string? IdempotencyKey) : ICommand<Result<ExportAcceptedDto>>, IDecidesUnderWriteLock, IRefusedByUniqueIndex<Result<ExportAcceptedDto>>
{
    public Result<ExportAcceptedDto> WhenUniqueIndexRefuses() => ExportJobErrors.IdempotencyKeyInFlight;
}

public sealed class CreateExportCommandValidator : AbstractValidator<CreateExportCommand>
{
    public CreateExportCommandValidator()
    {
        RuleFor(c => c.Format).NotNull().WithMessage("format is required: json, jsonl, csv or zip.")
            .IsInEnum().WithMessage("format must be json, jsonl, csv or zip.");
        RuleFor(c => c.JobIds).Must(ids => ids!.Count is >= 1 and <= ExportJob.MaxJobIds).When(c => c.JobIds is not null)
            .WithName("job_ids").WithMessage($"job_ids lists 1 to {ExportJob.MaxJobIds} jobs; leave it out to export by the filters.");
        RuleFor(c => c).Must(c => c.JobIds is null || (c.Status is null && c.Preset is null && c.CreatedFrom is null && c.CreatedTo is null))
            .WithName("job_ids").WithMessage("Give job_ids or the filters (status, preset, created_from, created_to), not both.");
        RuleFor(c => c.Status).IsInEnum().WithMessage("status must be queued, running, completed, failed or cancelled.");
        RuleFor(c => c.Preset).IsInEnum().WithMessage("preset must be quick_social, brand_campaign or premium_spot.");
        RuleFor(c => c).Must(c => c.CreatedFrom is null || c.CreatedTo is null || c.CreatedFrom <= c.CreatedTo)
            .WithName("created_from").WithMessage("created_from must not be after created_to.");
        RuleFor(c => c.Columns).Must(cs => cs!.Count is >= 1 and <= ExportJob.MaxColumns).When(c => c.Columns is not null)
            .WithName("columns").WithMessage($"columns lists 1 to {ExportJob.MaxColumns} column names.");
        RuleForEach(c => c.Columns).Must(c => !string.IsNullOrWhiteSpace(c) && c.Length <= ExportJob.ColumnMaxLength && !c.Any(char.IsControl))
            .WithName("columns").WithMessage($"Each column is a name of 1 to {ExportJob.ColumnMaxLength} characters without control characters.");
        // The same rule as the other routes' keys (ExportJob.IdempotencyKeyMaxLength is IdempotencyRecord.KeyMaxLength).
        RuleFor(c => c.IdempotencyKey).MustBeIdempotencyKey();
    }
}

public sealed class CreateExportCommandHandler(IExportJobRepository exports, IAuditLog audit, IOptions<ExportOptions> options, TimeProvider clock)
    : ICommandHandler<CreateExportCommand, Result<ExportAcceptedDto>>
{
    public async ValueTask<Result<ExportAcceptedDto>> Handle(CreateExportCommand command, CancellationToken cancellationToken)
    {
        var requestHash = RequestHash(command);
        if (command.IdempotencyKey is { } key && await exports.FindByIdempotencyKeyAsync(command.OwnerId, key, cancellationToken) is { } first)
        {
            return first.RequestHash == requestHash
                ? new ExportAcceptedDto(ExportDto.Of(first), Replayed: true)
                : ExportJobErrors.IdempotencyKeyReused;
        }

        // Counted under the write lock, so racing creates cannot all see room for one more.
        var maxQueued = options.Value.MaxQueuedPerUser;
        if (await exports.QueuedCountAsync(command.OwnerId, maxQueued, cancellationToken) >= maxQueued)
        {
            return ExportErrors.TooManyQueuedExports(maxQueued);
        }

        var export = ExportJob.Request(command.OwnerId, command.Format!.Value, command.JobIds, command.Status, command.Preset,
            command.CreatedFrom, command.CreatedTo, command.Bom ?? false, command.Columns, command.IdempotencyKey, requestHash, clock.GetUtcNow());
        exports.Add(export);
        audit.Record(new AuditEntry(AuditEventTypes.ExportRequested, AuditOutcome.Success, Target: export.Id.ToString(),
            Details: new Dictionary<string, object?> { ["format"] = EnumNames.Of(export.Format), ["job_ids"] = export.JobIds?.Count }));
        return new ExportAcceptedDto(ExportDto.Of(export), Replayed: false);
    }

    /// <summary>
    /// The request in one canonical text, hashed: the same export asked twice (fields in any order, ids in any order,
    /// a default spelled out or left out) hashes the same; anything that changes the file hashes differently.
    /// </summary>
    private static string RequestHash(CreateExportCommand c)
    {
        var text = string.Join('\u001f',
            c.Format?.ToString(),
            c.JobIds is null ? "-" : string.Join(',', c.JobIds.Select(id => id.Value).Distinct().Order()),
            c.Status?.ToString(),
            c.Preset?.ToString(),
            c.CreatedFrom?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            c.CreatedTo?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            (c.Bom ?? false).ToString(),
            c.Columns is null ? "-" : string.Join('\u001e', c.Columns));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
