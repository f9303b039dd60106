namespace Aiprod.Application.Abstractions;

/// <summary>
/// Signing secrets of webhook subscriptions. A secret must be usable to sign, so it cannot be stored as a hash: it is
/// stored encrypted under a key the database does not hold, and shown in clear once, when it is made.
/// </summary>
public interface IWebhookSecrets
{
    /// <returns>The secret (<c>whsec_</c> and base64 of 24 random bytes) and its ciphertext to store.</returns>
    (string Secret, string Ciphertext) Generate();

    /// <summary>The secret a stored ciphertext holds.</summary>
    string Decrypt(string ciphertext);
}
