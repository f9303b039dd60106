using Aiprod.Application.Sessions;
using Aiprod.Infrastructure.Security;
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
            ? SecretKeyFile.LoadOrCreate(Path.Combine(dataFolder.Value.Path, KeyFileName), GeneratedKeyBytes, "Csrf:SigningKey", "forge CSRF tokens", logger)
            : Convert.FromBase64String(configured.Trim());
        Codec = new CsrfTokenCodec(key);
    }

    public CsrfTokenCodec Codec { get; }
}
