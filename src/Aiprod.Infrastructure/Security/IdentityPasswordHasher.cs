using Aiprod.Application.Abstractions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using IdentityHasher = Microsoft.AspNetCore.Identity.PasswordHasher<object>;

namespace Aiprod.Infrastructure.Security;

/// <summary>
/// ASP.NET Core Identity's hasher: PBKDF2-HMAC-SHA512, 128-bit salt, <see cref="PasswordHashingOptions.Iterations"/>
/// iterations, in a versioned format that records the iteration count. A hash made with fewer iterations than
/// configured verifies as <see cref="PasswordCheck.SucceededRehashNeeded"/>, and login stores a fresh one.
/// </summary>
internal sealed class IdentityPasswordHasher : IPasswordHasher
{
    private static readonly object Subject = new();
    private readonly IdentityHasher hasher;
    private readonly Lazy<string> decoyHash;

    public IdentityPasswordHasher(IOptions<PasswordHashingOptions> options)
    {
        hasher = new IdentityHasher(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = options.Value.Iterations,
        }));
        decoyHash = new Lazy<string>(() => hasher.HashPassword(Subject, Guid.NewGuid().ToString("N")));
    }

    public string Hash(string password) => hasher.HashPassword(Subject, password);

    public PasswordCheck Verify(string passwordHash, string password)
    {
        PasswordVerificationResult result;
        try
        {
            result = hasher.VerifyHashedPassword(Subject, passwordHash, password);
        }
        catch (FormatException)
        {
            // A stored hash that is not base64 can match no password; refusing beats a 500 on every login.
            return PasswordCheck.Failed;
        }

        return result switch
        {
            PasswordVerificationResult.Success => PasswordCheck.Succeeded,
            PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.SucceededRehashNeeded,
            _ => PasswordCheck.Failed,
        };
    }

    public void VerifyAgainstDecoy(string password) => _ = hasher.VerifyHashedPassword(Subject, decoyHash.Value, password);
}
