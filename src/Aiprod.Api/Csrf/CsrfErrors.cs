using Aiprod.Domain.Common;

namespace Aiprod.Api.Csrf;

/// <summary>The refusals of the CSRF token routes (<c>/security/csrf-*</c>) themselves; a failed check is a <see cref="CsrfRefusal"/>.</summary>
public static class CsrfErrors
{
    public static readonly Error SessionRequired = Error.Unauthorized(
        "session_required", "No live session: send the browser-mode refresh cookie or a bearer access token. API-key callers need no CSRF token.");

    /// <summary>A token is about 110 characters; anything this long is not one, and is refused as input, not checked.</summary>
    public static Error TokenTooLong(int max) => Error.Validation("csrf_token_too_long", $"csrf_token must be at most {max} characters long.");
}
