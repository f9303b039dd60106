using Aiprod.Domain.Common;

namespace Aiprod.Domain.Exports;

public static class ExportJobErrors
{
    public static readonly Error NotFound = Error.NotFound("export_not_found", "You have no export with this id.");

    /// <summary>The export storage did not answer in time (refused, stalled past its timeout, a server error).</summary>
    public static readonly Error StorageUnavailable = Error.Unavailable("storage_unavailable", "The export storage did not answer in time. Retry the request later.");

    public static readonly Error Expired = Error.Gone("export_expired", "The export's file was deleted after its retention; its metadata stays. Create a new export.");

    public static readonly Error IdempotencyKeyReused = Error.Unprocessable(
        "idempotency_key_reused", "This Idempotency-Key was used for an export with another request body; use a new key for a new export.");

    public static readonly Error IdempotencyKeyInFlight = Error.Conflict(
        "idempotency_key_in_flight", "Another request with this Idempotency-Key is being processed; send it again to get its export.");

    public static Error NotReady(ExportStatus status) =>
        Error.Conflict("export_not_ready", $"The export is {status.ToString().ToLowerInvariant()}; only a succeeded export can be downloaded.");

    public static Error IllegalTransition(ExportStatus from, ExportStatus to) =>
        Error.Conflict("illegal_transition", $"A {from.ToString().ToLowerInvariant()} export cannot become {to.ToString().ToLowerInvariant()}.");

    public static readonly Error LeaseLost = Error.Conflict("lease_not_held", "This runner no longer holds the export; stop writing it.");
}
