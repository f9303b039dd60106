using System.Security.Cryptography;
using Aiprod.Application.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Infrastructure.Tokens;

/// <summary>
/// The ES256 key that signs access tokens. ECDSA P-256 keeps tokens small and lets other services verify them
/// from <c>/.well-known/jwks.json</c> without a shared secret.
/// </summary>
public sealed class SigningKeyStore : ISigningKeys, IDisposable
{
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;
    public const string KeyFileName = "jwt-signing-key.pem";

    private readonly ECDsa ecdsa;

    public SigningKeyStore(IOptions<JwtOptions> options, IOptions<DataFolderOptions> dataFolder, ILogger<SigningKeyStore> logger)
    {
        ecdsa = ECDsa.Create();
        var pem = options.Value.SigningKeyPem;
        if (string.IsNullOrWhiteSpace(pem))
        {
            pem = LoadOrCreateKeyFile(Path.Combine(dataFolder.Value.Path, KeyFileName), "Jwt:SigningKeyPem", logger);
        }

        ecdsa.ImportFromPem(pem);
        if (ecdsa.KeySize != 256)
        {
            throw new InvalidOperationException("The JWT signing key must be an EC P-256 key (ES256).");
        }

        var key = new ECDsaSecurityKey(ecdsa)
        {
            // Our own provider cache: the library's default one is static and keyed by thumbprint, so a store
            // disposed and re-created with the same key (a host restarted in-process) would get back a provider
            // holding the disposed ECDsa, and every signature check would fail.
            CryptoProviderFactory = new CryptoProviderFactory(),
        };
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        SecurityKey = key;
        SigningCredentials = new SigningCredentials(key, Algorithm);
        PublicJwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ecdsa.ExportParameters(false))) { KeyId = key.KeyId });
        PublicJwk.Use = "sig";
        PublicJwk.Alg = Algorithm;
        PublicKeys = [new PublicSigningKey(PublicJwk.Kty, PublicJwk.Crv, PublicJwk.X, PublicJwk.Y, PublicJwk.Kid, PublicJwk.Use, PublicJwk.Alg)];
    }

    public ECDsaSecurityKey SecurityKey { get; }

    public SigningCredentials SigningCredentials { get; }

    /// <summary>The public half only, for the JWKS document.</summary>
    public JsonWebKey PublicJwk { get; }

    public IReadOnlyList<PublicSigningKey> PublicKeys { get; }

    public void Dispose() => ecdsa.Dispose();

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    internal const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The PEM of the EC P-256 key in <paramref name="path"/>, generated (owner-only) when there is none.</summary>
    internal static string LoadOrCreateKeyFile(string path, string setting, ILogger logger)
    {
        if (File.Exists(path))
        {
            return ReadPrivateKeyFile(path, setting);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = created.ExportPkcs8PrivateKeyPem();
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var file = CreateOwnerOnly(temp))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(pem);
        }

        // Two instances starting on one data folder: the first key written wins, the other reads it.
        try
        {
            File.Move(temp, path, overwrite: false);
            logger.LogWarning("No {Setting} configured; generated a signing key in {Path}. Configure one in production.", setting, path);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
        }

        return ReadPrivateKeyFile(path, setting);
    }

    /// <summary>
    /// A new file that only its owner can read, from the moment it exists: the mode is given to open(2), not set
    /// by a chmod after the key is written, when another user could already have opened it.
    /// </summary>
    internal static FileStream CreateOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return new FileStream(path, options);
    }

    /// <summary>A private key other users can read is a key they may have copied: refuse it rather than sign with it.</summary>
    private static string ReadPrivateKeyFile(string path, string setting)
    {
        var mode = OperatingSystem.IsWindows() ? OwnerOnly : File.GetUnixFileMode(path);
        if ((mode & GroupOrOthers) != 0)
        {
            throw new InvalidOperationException(
                $"The signing key file {path} is open to other users (mode {Convert.ToString((int)mode, 8)}); " +
                $"whoever could read it can sign with it. Run 'chmod 600 {path}' (and replace the key if others may have read it), " +
                $"or configure the key in {setting}.");
        }

        return File.ReadAllText(path);
    }
}
