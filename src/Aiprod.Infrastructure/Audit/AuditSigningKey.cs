using System.Security.Cryptography;
using System.Text;
using Aiprod.Application.Audit.Dtos;
using Aiprod.Infrastructure.Tokens;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Infrastructure.Audit;

/// <summary>
/// The ES256 key that signs audit checkpoints. Configured (<c>Audit:SigningKeyPem</c>) wherever the host is not
/// Development or Testing; there a key is generated once into the data folder, like the token signing key.
/// </summary>
public sealed class AuditSigningKey : IDisposable
{
    public const string KeyFileName = "audit-signing-key.pem";
    public const string Setting = "Audit:SigningKeyPem";

    private readonly ECDsa ecdsa;

    public AuditSigningKey(IOptions<AuditOptions> options, IOptions<DataFolderOptions> dataFolder, IHostEnvironment environment, ILogger<AuditSigningKey> logger)
    {
        var pem = options.Value.SigningKeyPem;
        if (string.IsNullOrWhiteSpace(pem))
        {
            if (!environment.IsDevelopment() && !environment.IsEnvironment("Testing"))
            {
                throw new InvalidOperationException(
                    $"{Setting} is required in the {environment.EnvironmentName} environment: the PEM of an EC P-256 private key that signs audit checkpoints " +
                    "(e.g. openssl ecparam -name prime256v1 -genkey | openssl pkcs8 -topk8 -nocrypt). A key generated per instance would let anyone with the machine re-sign a rewritten log.");
            }

            pem = SigningKeyStore.LoadOrCreateKeyFile(Path.Combine(dataFolder.Value.Path, KeyFileName), Setting, logger);
        }

        ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(pem);
        if (ecdsa.KeySize != 256)
        {
            ecdsa.Dispose();
            throw new InvalidOperationException($"{Setting} must be an EC P-256 key (ES256).");
        }

        var publicKey = new ECDsaSecurityKey(ECDsa.Create(ecdsa.ExportParameters(false))) { CryptoProviderFactory = new CryptoProviderFactory() };
        KeyId = Base64UrlEncoder.Encode(publicKey.ComputeJwkThumbprint());
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(publicKey);
        PublicKey = new AuditPublicKeyDto(jwk.Kty, jwk.Crv, jwk.X, jwk.Y, KeyId, SecurityAlgorithms.EcdsaSha256);
    }

    /// <summary>RFC 7638 thumbprint of the public key.</summary>
    public string KeyId { get; }

    public AuditPublicKeyDto PublicKey { get; }

    /// <summary>Base64url of the IEEE P1363 (r||s) ECDSA P-256 SHA-256 signature of the UTF-8 payload.</summary>
    public string Sign(string payload) =>
        Base64UrlEncoder.Encode(ecdsa.SignData(Encoding.UTF8.GetBytes(payload), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    public bool Verify(string payload, string signature)
    {
        byte[] bytes;
        try
        {
            bytes = Base64UrlEncoder.DecodeBytes(signature);
        }
        catch (FormatException)
        {
            return false;
        }

        return ecdsa.VerifyData(Encoding.UTF8.GetBytes(payload), bytes, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public void Dispose() => ecdsa.Dispose();
}
