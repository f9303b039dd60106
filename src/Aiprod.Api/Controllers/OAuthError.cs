namespace Aiprod.Api.Controllers;

/// <summary>An OAuth 2.0 error (RFC 6749 §5.2).</summary>
/// <param name="Error">`invalid_request`, `invalid_grant`, `unsupported_grant_type`…</param>
/// <param name="ErrorDescription">What is wrong, for a developer.</param>
public sealed record OAuthError(string Error, string? ErrorDescription);
