using Aiprod.Application.Abstractions;
using Microsoft.AspNetCore.Identity;
using IdentityHasher = Microsoft.AspNetCore.Identity.PasswordHasher<object>;

namespace Aiprod.Infrastructure.Security;

/// <summary>
/// ASP.NET Core Identity's hasher (PBKDF2-HMAC-SHA512, 100,000 iterations, 128-bit salt, versioned format), so
/// hashes written today are upgraded transparently when Identity raises its parameters.
/// </summary>
internal sealed class IdentityPasswordHasher : IPasswordHasher
{
    private static readonly object Subject = new();
    private readonly IdentityHasher hasher = new();
    private readonly Lazy<string> decoyHash;

    public IdentityPasswordHasher()
    {
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
