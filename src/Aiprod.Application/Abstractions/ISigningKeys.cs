namespace Aiprod.Application.Abstractions;

/// <summary>A public EC key as a JWK (RFC 7517, RFC 7518 §6.2).</summary>
public sealed record PublicSigningKey(string Kty, string Crv, string X, string Y, string Kid, string Use, string Alg);

/// <summary>The public halves of the keys that sign our access tokens, for the JWKS document.</summary>
public interface ISigningKeys
{
    IReadOnlyList<PublicSigningKey> PublicKeys { get; }
}
