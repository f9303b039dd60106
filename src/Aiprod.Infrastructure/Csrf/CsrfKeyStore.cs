using Aiprod.Application.Sessions;
using Aiprod.Infrastructure.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Csrf;

/// <summary>
/// The HMAC key of CSRF tokens, handled as the JWT signing key is: from configuration (<c>Csrf:SigningKey</c>), else
/// generated once into the data folder in an owner-only file, so instances sharing that folder share it and tokens
/// survive a restart. A production deployment sets it (docker-compose.yml requires it).
/// </summary>
public sealed class CsrfKeyStore
{
    public const string KeyFileName = "csrf-signing-key";

    private const int GeneratedKeyBytes = 32;

    public CsrfKeyStore(IOptions<CsrfOptions> options, IOptions<DataFolderOptions> dataFolder, ILogger<CsrfKeyStore> logger)
    {
        var configured = options.Value.SigningKey;
        var key = string.IsNullOrWhiteSpace(configured)
            ? LoadOrCreate(Path.Combine(dataFolder.Value.Path, KeyFileName), logger)
            : Convert.FromBase64String(configured.Trim());
        Codec = new CsrfTokenCodec(key);
    }

    public CsrfTokenCodec Codec { get; }

    private static byte[] LoadOrCreate(string path, ILogger logger)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = $"{path}.{Guid.NewGuid():N}.tmp";
            using (var file = SigningKeyStore.CreateOwnerOnly(temp))
            {
                file.Write(System.Security.Cryptography.RandomNumberGenerator.GetBytes(GeneratedKeyBytes));
            }

            // Two instances starting on one data folder: the first key written wins, the other reads it.
            try
            {
                File.Move(temp, path, overwrite: false);
                logger.LogWarning("No Csrf:SigningKey configured; generated a CSRF key in {Path}. Configure one in production.", path);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
            }
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode)0b000_111_111) != 0)
        {
            throw new InvalidOperationException(
                $"The CSRF key file {path} is open to other users; whoever could read it can forge CSRF tokens. " +
                $"Run 'chmod 600 {path}' (and delete it to get a new key if others may have read it), or configure Csrf:SigningKey.");
        }

        var key = File.ReadAllBytes(path);
        return key.Length >= CsrfOptions.MinKeyBytes
            ? key
            : throw new InvalidOperationException($"The CSRF key file {path} holds fewer than {CsrfOptions.MinKeyBytes} bytes; delete it to get a new key.");
    }
}
