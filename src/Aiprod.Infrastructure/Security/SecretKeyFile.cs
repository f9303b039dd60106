using Aiprod.Infrastructure.Tokens;
using Microsoft.Extensions.Logging;

namespace Aiprod.Infrastructure.Security;

/// <summary>
/// A symmetric key generated once into the data folder when none is configured (the CSRF key, the webhook secret
/// key): random bytes in an owner-only file, so instances sharing that folder share it and it survives a restart.
/// </summary>
internal static class SecretKeyFile
{
    /// <param name="path">The key file.</param>
    /// <param name="bytes">How many random bytes a key has: a new one, and an existing file exactly.</param>
    /// <param name="setting">The configuration key that would replace the file, for the messages.</param>
    /// <param name="forges">What a reader of the file could do, for the refusal of a file others can read.</param>
    /// <param name="logger">Told when a key is generated.</param>
    public static byte[] LoadOrCreate(string path, int bytes, string setting, string forges, ILogger logger)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = $"{path}.{Guid.NewGuid():N}.tmp";
            using (var file = SigningKeyStore.CreateOwnerOnly(temp))
            {
                file.Write(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes));
            }

            // Two instances starting on one data folder: the first key written wins, the other reads it.
            try
            {
                File.Move(temp, path, overwrite: false);
                logger.LogWarning("No {Setting} configured; generated a key in {Path}. Configure one in production.", setting, path);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
            }
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & SigningKeyStore.GroupOrOthers) != 0)
        {
            throw new InvalidOperationException(
                $"The key file {path} is open to other users; whoever could read it can {forges}. " +
                $"Run 'chmod 600 {path}' (and delete it to get a new key if others may have read it), or configure {setting}.");
        }

        // Only a file of exactly the length written here is a key of ours: a cut or padded one (AES-256 takes 32 bytes,
        // no more) is refused at the start rather than failing, or keying something else, at its first use.
        var key = File.ReadAllBytes(path);
        return key.Length == bytes
            ? key
            : throw new InvalidOperationException(
                $"The key file {path} holds {key.Length} bytes; a key is exactly {bytes}. Delete it to get a new key, or configure {setting}.");
    }
}
