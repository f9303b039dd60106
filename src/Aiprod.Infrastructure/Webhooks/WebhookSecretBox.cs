using System.Security.Cryptography;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Webhooks;
using Aiprod.Infrastructure.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Webhooks;

/// <summary>
/// Encrypts webhook signing secrets with AES-256-GCM under <c>Webhooks:SecretKey</c>, so a copy of the database alone
/// signs nothing. Without the setting a key is generated once into the data folder, in Development and Testing only:
/// elsewhere every instance must sign with secrets the others can read.
/// </summary>
public sealed class WebhookSecretBox : IWebhookSecrets
{
    public const string KeyFileName = "webhook-secret-key";
    public const string Setting = "Webhooks:SecretKey";
    public const string SecretPrefix = "whsec_";

    private const int KeyBytes = 32;
    private const int SecretBytes = 24;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[] key;

    public WebhookSecretBox(IOptions<WebhookOptions> options, IOptions<DataFolderOptions> dataFolder, IHostEnvironment environment, ILogger<WebhookSecretBox> logger)
    {
        var configured = options.Value.SecretKey;
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (!environment.IsDevelopment() && !environment.IsEnvironment("Testing"))
            {
                throw new InvalidOperationException(
                    $"{Setting} is required in the {environment.EnvironmentName} environment: base64 of 32 random bytes (openssl rand -base64 32) " +
                    "that encrypts webhook signing secrets; every instance needs the same key.");
            }

            key = SecretKeyFile.LoadOrCreate(Path.Combine(dataFolder.Value.Path, KeyFileName), KeyBytes, Setting, "sign webhooks as this API", logger);
        }
        else
        {
            key = Convert.TryFromBase64String(configured.Trim(), new byte[64], out var written) && written == KeyBytes
                ? Convert.FromBase64String(configured.Trim())
                : throw new InvalidOperationException($"{Setting} must be base64 of exactly {KeyBytes} bytes.");
        }
    }

    public (string Secret, string Ciphertext) Generate()
    {
        var secret = SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));
        return (secret, Encrypt(secret));
    }

    public string Decrypt(string ciphertext)
    {
        var sealedBytes = Convert.FromBase64String(ciphertext);
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        var tag = sealedBytes.AsSpan(sealedBytes.Length - TagBytes);
        var cipher = sealedBytes.AsSpan(NonceBytes, sealedBytes.Length - NonceBytes - TagBytes);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(nonce, cipher, tag, plain);
        return System.Text.Encoding.ASCII.GetString(plain);
    }

    private string Encrypt(string secret)
    {
        var plain = System.Text.Encoding.ASCII.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length));
        return Convert.ToBase64String(sealedBytes);
    }
}
