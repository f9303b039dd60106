using Aiprod.Application.Abstractions;

namespace Aiprod.Application.Accounts;

/// <summary>
/// The slow hash of one presented password, checked once per stored hash: a use case run again after a lost race
/// costs a read, not another PBKDF2 run.
/// </summary>
internal sealed class PasswordVerification(IPasswordHasher hasher, string password)
{
    private (string Hash, PasswordCheck Result)? known;

    public PasswordCheck Check(string hash)
    {
        if (known is not { } k || k.Hash != hash)
        {
            k = (hash, hasher.Verify(hash, password));
            known = k;
        }

        return k.Result;
    }
}
