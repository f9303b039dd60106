namespace Aiprod.Application.Abstractions;

public enum PasswordCheck
{
    Failed,
    Succeeded,

    /// <summary>Correct, but hashed with older parameters: store a fresh hash.</summary>
    SucceededRehashNeeded,
}

/// <summary>A slow, salted password hash. Implemented with a maintained library, never by hand.</summary>
public interface IPasswordHasher
{
    string Hash(string password);

    PasswordCheck Verify(string passwordHash, string password);

    /// <summary>Spends the same time as a real check against a hash nobody owns, so an unknown email costs what a known one does.</summary>
    void VerifyAgainstDecoy(string password);
}
