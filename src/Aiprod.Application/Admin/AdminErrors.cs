using Aiprod.Domain.Common;

namespace Aiprod.Application.Admin;

/// <summary>Refusals of the admin routes whose wording is not the owner's ("your job", "your session").</summary>
public static class AdminErrors
{
    public static readonly Error SessionNotFound = Error.NotFound("session_not_found", "This user has no live session with this id.");

    public static readonly Error ApiKeyNotFound = Error.NotFound("api_key_not_found", "No API key has this id.");

    public static readonly Error JobNotFound = Error.NotFound("job_not_found", "No job has this id.");

    public static readonly Error ExportNotFound = Error.NotFound("export_not_found", "No export has this id.");

    public static readonly Error WebhookNotFound = Error.NotFound("webhook_not_found", "No webhook subscription has this id.");

    /// <summary>The actor of a change that could take an active admin out is, read again, no longer one.</summary>
    public static readonly Error NotAnAdmin = Error.Forbidden("not_an_admin", "Your account is no longer an active admin; log in again.");

    public static readonly Error CannotDisableSelf = Error.Conflict("cannot_disable_self", "An admin cannot disable their own account; ask another admin.");
}
