namespace Aiprod.Api.Security;

/// <summary>Access tokens (JWT).</summary>
/// <param name="Algorithm">The JWS algorithm.</param>
/// <param name="LifetimeSeconds">How long an access token lives.</param>
/// <param name="ClockSkewSeconds">Clock difference tolerated when one is checked.</param>
/// <param name="Issuer">The <c>iss</c> claim.</param>
/// <param name="Audience">The <c>aud</c> claim.</param>
/// <param name="SigningKeySource">Where the signing key comes from (never the key): <c>configuration</c> or <c>generated</c> (kept in the data folder).</param>
/// <param name="PublicKeys">Where the public keys are published.</param>
public sealed record AccessTokenPolicyDto(
    string Algorithm, long LifetimeSeconds, long ClockSkewSeconds, string Issuer, string Audience, string SigningKeySource, string PublicKeys);

/// <summary>Refresh tokens and sessions.</summary>
/// <param name="TokenLifetimeSeconds">How long one refresh token lives.</param>
/// <param name="FamilyLifetimeSeconds">The absolute cap of a session (a token family); rotation never extends it.</param>
/// <param name="ReuseLeewaySeconds">A redeemed token presented again within this gets a sibling instead of ending the session.</param>
/// <param name="Rotation">When tokens rotate.</param>
/// <param name="ReuseDetection">What a replay past the leeway does.</param>
/// <param name="EntropyBits">Random bits in a token.</param>
/// <param name="StorageHash">How a token is stored.</param>
/// <param name="RevocationReloadSeconds">How often revoked sessions are reloaded from the database (behind Redis).</param>
/// <param name="PasswordGrantEnabled">Whether <c>/connect/token</c> takes the password grant (RFC 9700 §2.4 forbids it).</param>
public sealed record RefreshTokenPolicyDto(
    long TokenLifetimeSeconds, long FamilyLifetimeSeconds, long ReuseLeewaySeconds, string Rotation, string ReuseDetection,
    int EntropyBits, string StorageHash, long RevocationReloadSeconds, bool PasswordGrantEnabled);

/// <summary>Password rules and hashing.</summary>
/// <param name="MinLength">Fewest characters.</param>
/// <param name="MaxLength">Most characters.</param>
/// <param name="Rules">Every rule a new password must meet.</param>
/// <param name="Hashing">How passwords are stored.</param>
public sealed record PasswordPolicyDto(int MinLength, int MaxLength, IReadOnlyList<string> Rules, PasswordHashingDto Hashing);

/// <summary>How passwords are hashed (never a salt or a hash).</summary>
/// <param name="Algorithm">The key-derivation function.</param>
/// <param name="Iterations">Iterations of new hashes.</param>
/// <param name="MinimumIterations">The fewest the host starts with.</param>
/// <param name="SaltBits">Random salt bits per password.</param>
/// <param name="Upgrade">What happens to a hash made with fewer iterations.</param>
public sealed record PasswordHashingDto(string Algorithm, int Iterations, int MinimumIterations, int SaltBits, string Upgrade);

/// <summary>Account lockout.</summary>
/// <param name="MaxFailedAttempts">Consecutive failures that lock an account.</param>
/// <param name="DurationSeconds">How long the lock lasts.</param>
/// <param name="Counts">What counts as a failure.</param>
public sealed record LockoutPolicyDto(int MaxFailedAttempts, long DurationSeconds, string Counts);

/// <summary>API keys.</summary>
/// <param name="Format">What a key looks like.</param>
/// <param name="StorageHash">How a key is stored.</param>
/// <param name="DefaultLifetimeDays">Lifetime of a key created without one.</param>
/// <param name="MaxLifetimeDays">The longest lifetime one may ask for.</param>
/// <param name="MaxActiveKeysPerUser">Active keys one user may hold.</param>
/// <param name="MaxRotationGraceSeconds">The longest a rotated key may keep working beside its successor.</param>
/// <param name="FailedLookupsPerAddress">Unknown keys one address may present per window before its look-ups stop (429).</param>
/// <param name="FailedLookupWindowSeconds">That window.</param>
public sealed record ApiKeyPolicyDto(
    ApiKeyFormatDto Format, string StorageHash, int DefaultLifetimeDays, int MaxLifetimeDays, int MaxActiveKeysPerUser,
    int MaxRotationGraceSeconds, int FailedLookupsPerAddress, long FailedLookupWindowSeconds);

/// <summary>The shape of an API key.</summary>
/// <param name="Prefix">The fixed start of every key.</param>
/// <param name="Length">Characters in a key.</param>
/// <param name="Alphabet">Characters after the prefix.</param>
/// <param name="EntropyBits">Random bits in a key.</param>
/// <param name="Checksum">How a mistyped key is refused without a database look-up.</param>
/// <param name="DisplayPrefixLength">Characters kept in clear to recognise a key.</param>
public sealed record ApiKeyFormatDto(string Prefix, int Length, string Alphabet, int EntropyBits, string Checksum, int DisplayPrefixLength);

/// <summary>Rate limits.</summary>
/// <param name="Enabled">Whether limits apply.</param>
/// <param name="WindowSeconds">The fixed window of every policy.</param>
/// <param name="Partition">Who a limit counts.</param>
/// <param name="Policies">Every policy with its limit per window.</param>
public sealed record RateLimitPolicyDto(bool Enabled, long WindowSeconds, string Partition, IReadOnlyList<RateLimitEntryDto> Policies);

/// <summary>One rate-limit policy.</summary>
/// <param name="Policy">Its name (each endpoint's Swagger description names its policy).</param>
/// <param name="Limit">Requests per window per caller.</param>
/// <param name="WindowSeconds">The window.</param>
public sealed record RateLimitEntryDto(string Policy, int Limit, long WindowSeconds);

/// <summary>The job sockets (<c>/ws/job/{job_id}</c>).</summary>
/// <param name="AllowedOrigins">Browser origins allowed to open one; others get 403.</param>
/// <param name="MaxConnections">Sockets this instance holds at once.</param>
/// <param name="MaxSocketsPerUser">Sockets one user may hold on one instance.</param>
/// <param name="MaxMessageBytes">Largest client message.</param>
/// <param name="KeepAliveIntervalSeconds">Protocol pings.</param>
/// <param name="KeepAliveTimeoutSeconds">An unanswered ping aborts the socket after this.</param>
/// <param name="CredentialCheckIntervalSeconds">How often the socket's token or key is checked again.</param>
/// <param name="SendTimeoutSeconds">How long a send may wait for a client that stopped reading.</param>
public sealed record SocketPolicyDto(
    IReadOnlyList<string> AllowedOrigins, long MaxConnections, int MaxSocketsPerUser, int MaxMessageBytes, long KeepAliveIntervalSeconds,
    long KeepAliveTimeoutSeconds, long CredentialCheckIntervalSeconds, long SendTimeoutSeconds);

/// <summary>Export limits.</summary>
/// <param name="MaxBytes">The most bytes one export may have.</param>
/// <param name="MaxDirectJobs">The most jobs a direct export answers.</param>
/// <param name="MaxZipJobs">The most jobs one ZIP holds.</param>
/// <param name="MaxConcurrentDirectPerUser">Direct exports one user may run at once on one instance.</param>
/// <param name="MaxRunningPerUser">Export jobs of one user running at once.</param>
/// <param name="MaxQueuedPerUser">Export jobs of one user waiting.</param>
/// <param name="RetentionSeconds">How long a finished export's file is kept.</param>
public sealed record ExportPolicyDto(
    long MaxBytes, int MaxDirectJobs, int MaxZipJobs, int MaxConcurrentDirectPerUser, int MaxRunningPerUser, int MaxQueuedPerUser,
    long RetentionSeconds);

/// <summary>Browser mode and CSRF.</summary>
/// <param name="Mode">How state-changing requests authenticated by the refresh cookie are protected.</param>
/// <param name="Header">The header that carries the CSRF token.</param>
/// <param name="MaxAgeSeconds">How long a CSRF token is accepted (it also dies with its session and with csrf-refresh).</param>
/// <param name="SigningKeySource">Where the HMAC key comes from (never the key): <c>configuration</c> or <c>generated</c> (kept in the data folder).</param>
/// <param name="AllowedOrigins">Origins besides the API's own accepted on cookie-authenticated requests without Fetch Metadata.</param>
/// <param name="FetchMetadata">What is refused by Fetch Metadata and Origin.</param>
/// <param name="Exempt">Which callers need no CSRF token, and why.</param>
/// <param name="Cookies">The cookies of browser mode and their attributes.</param>
public sealed record CsrfPolicyDto(
    string Mode,
    string Header,
    long MaxAgeSeconds,
    string SigningKeySource,
    IReadOnlyList<string> AllowedOrigins,
    string FetchMetadata,
    string Exempt,
    IReadOnlyList<ReportedCookie> Cookies);

/// <summary>The audit log's hash chain.</summary>
/// <param name="Chain">What is chained and how.</param>
/// <param name="SealerEnabled">Whether this instance seals committed events into the chain.</param>
/// <param name="SealIntervalSeconds">How often the sealer runs.</param>
/// <param name="CheckpointEveryEvents">A signed checkpoint every this many events...</param>
/// <param name="CheckpointIntervalSeconds">...or once the oldest event no checkpoint covers is this old.</param>
/// <param name="CheckpointSignature">The checkpoints' signature algorithm.</param>
/// <param name="CheckpointKeyId">The RFC 7638 thumbprint of the checkpoint key (its public half is at <c>/security/audit-log/checkpoints</c>).</param>
/// <param name="SigningKeySource">Where the checkpoint key comes from (never the key): <c>configuration</c> or <c>generated</c> (Development only).</param>
/// <param name="Verify">Where the chain is verified.</param>
public sealed record AuditChainPolicyDto(
    string Chain,
    bool SealerEnabled,
    long SealIntervalSeconds,
    int CheckpointEveryEvents,
    long CheckpointIntervalSeconds,
    string CheckpointSignature,
    string CheckpointKeyId,
    string SigningKeySource,
    string Verify);
