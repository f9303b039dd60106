using Aiprod.Application.Abstractions;

namespace Aiprod.Application.Accounts;

/// <summary>
/// The slow hash of a password about to be stored (a new one, or an upgrade of the presented one), made at most once
/// per request: its salt is fresh and it depends on nothing read, so a use case run again after a lost race reuses it.
/// </summary>
internal sealed class PasswordHashing(IPasswordHasher hasher, string password)
{
    private string? hash;

    public string Hash() => hash ??= hasher.Hash(password);
}
