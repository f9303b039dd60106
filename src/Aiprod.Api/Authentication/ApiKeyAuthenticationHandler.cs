using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Aiprod.Api.Http;
using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Api.Authentication;

/// <summary>The <c>ApiKey</c> scheme: <c>X-API-Key</c> authenticates as the key's owner, limited to the key's scopes.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IApiKeyAuthenticator authenticator,
    IApiKeyFailureAudit failures,
    ApiKeyFailureLimitOptions failureLimit,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";
    public const string KeyIdClaim = "key_id";
    public const string ScopeClaim = "scope";
    private const string RefusalItem = "aiprod.api_key_refusal";
    private const string DuplicatedHeader = "duplicated";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return AuthenticateResult.NoResult();
        }

        if (values.Count > 1)
        {
            // Which of two keys is meant? A proxy and this handler could each pick a different one: refuse both.
            Context.Items[RefusalItem] = DuplicatedHeader;
            return AuthenticateResult.Fail("More than one X-API-Key header.");
        }

        var address = Context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var result = await authenticator.AuthenticateAsync(values[0]!, Context.RequestAborted, clientAddress: address);
        if (result.Refusal == ApiKeyRefusal.TooManyFailures)
        {
            Context.Items[RefusalItem] = result.Refusal;
            failures.CountRefusedUnlooked(address, clock.GetUtcNow());
            return AuthenticateResult.Fail("API key refused: too many unknown keys from this address.");
        }

        if (!result.Succeeded)
        {
            Context.Items[RefusalItem] = result.Refusal;
            RecordFailure(result);
            return AuthenticateResult.Fail($"API key refused: {result.Refusal}");
        }

        var key = result.Key!;
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, key.OwnerId.ToString()),
            new(KeyIdClaim, key.Id.ToString()),
        };
        claims.AddRange(key.Scopes.Select(s => new Claim(ScopeClaim, EnumNames.Of(s))));
        var identity = new ClaimsIdentity(claims, SchemeName, JwtRegisteredClaimNames.Sub, "role");
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var value = Context.Items.TryGetValue(RefusalItem, out var item) ? item : null;
        if (value is ApiKeyRefusal.TooManyFailures)
        {
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(failureLimit.Window.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await Context.WriteProblemAsync(StatusCodes.Status429TooManyRequests, "api_key_failures_limited", "Too many unknown API keys.",
                "This address presented too many unknown API keys; retry later with a valid key.");
            return;
        }

        var (code, detail) = value switch
        {
            DuplicatedHeader => ("api_key_invalid", "Send one X-API-Key header holding one key."),
            ApiKeyRefusal.Expired => ("api_key_expired", "The API key has expired; create or rotate a key."),
            ApiKeyRefusal.Revoked => ("api_key_revoked", "The API key was revoked."),
            ApiKeyRefusal.Rotated => ("api_key_rotated", "The API key was replaced by rotation and its grace period is over; use the new key."),
            ApiKeyRefusal.OwnerDisabled => ("api_key_owner_disabled", "The account that owns the API key is disabled."),
            ApiKeyRefusal.Malformed or ApiKeyRefusal.Unknown => ("api_key_invalid", "The API key is not valid (mistyped, truncated or unknown)."),
            _ => ("unauthenticated", "This endpoint needs an API key in the X-API-Key header."),
        };
        Response.Headers.WWWAuthenticate = $"ApiKey header=\"{HeaderName}\"";
        await Context.WriteProblemAsync(StatusCodes.Status401Unauthorized, code, "Unauthorized", detail);
    }

    private void RecordFailure(ApiKeyAuthentication result) =>
        failures.Record(AuditEvent.Record(
            clock.GetUtcNow(),
            AuditEventTypes.ApiKeyAuthenticationFailed,
            ActorKind.Anonymous,
            actorId: null,
            target: result.HashPrefix is null ? null : "key_hash_prefix:" + result.HashPrefix,
            AuditOutcome.Failure,
            Context.Connection.RemoteIpAddress?.ToString(),
            Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null,
            Activity.Current?.TraceId.ToString() ?? Context.TraceIdentifier,
            $"{{\"reason\":\"{EnumNames.Of(result.Refusal!.Value)}\"}}"));
}
