using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Sessions;

namespace Aiprod.Infrastructure.Csrf;

/// <summary>
/// The signed, session-bound CSRF token (OWASP's "signed double-submit cookie"): version, session id, generation,
/// issue time and a random value, then HMAC-SHA256 over all of them, base64url-encoded. The server keeps no copy;
/// it recomputes the MAC and compares in constant time.
/// </summary>
public sealed class CsrfTokenCodec : ICsrfTokenCodec
{
    private const byte Version = 1;
    private const int SessionOffset = 1;
    private const int GenerationOffset = SessionOffset + 16;
    private const int IssuedAtOffset = GenerationOffset + 8;
    private const int NonceOffset = IssuedAtOffset + 8;
    private const int MacOffset = NonceOffset + 16;
    private const int MacLength = 32;

    /// <summary>Bytes of a token before encoding.</summary>
    public const int TokenBytes = MacOffset + MacLength;

    /// <summary>Characters of an encoded token (base64url without padding).</summary>
    public const int TokenLength = (TokenBytes * 4 + 2) / 3;

    private readonly byte[] key;

    public CsrfTokenCodec(byte[] key)
    {
        if (key.Length < CsrfOptions.MinKeyBytes)
        {
            throw new ArgumentException($"A CSRF key needs at least {CsrfOptions.MinKeyBytes} bytes.", nameof(key));
        }

        this.key = (byte[])key.Clone();
    }

    public string Issue(SessionId sessionId, long generation, DateTimeOffset issuedAt)
    {
        Span<byte> token = stackalloc byte[TokenBytes];
        token[0] = Version;
        if (!sessionId.Value.TryWriteBytes(token.Slice(SessionOffset, 16)))
        {
            throw new InvalidOperationException("A GUID did not fit 16 bytes.");
        }

        BinaryPrimitives.WriteInt64BigEndian(token.Slice(GenerationOffset, 8), generation);
        BinaryPrimitives.WriteInt64BigEndian(token.Slice(IssuedAtOffset, 8), issuedAt.ToUnixTimeMilliseconds());
        RandomNumberGenerator.Fill(token.Slice(NonceOffset, 16));
        HMACSHA256.HashData(key, token[..MacOffset], token.Slice(MacOffset, MacLength));
        return Base64Url.EncodeToString(token);
    }

    public CsrfTokenReadStatus Read(string? presented, out CsrfTokenContent content)
    {
        content = default;
        if (presented is null || presented.Length != TokenLength)
        {
            return CsrfTokenReadStatus.Malformed;
        }

        // TryDecodeFromChars throws on a character outside the alphabet rather than answering false: check first.
        if (!Base64Url.IsValid(presented.AsSpan(), out var length) || length != TokenBytes)
        {
            return CsrfTokenReadStatus.Malformed;
        }

        var token = Base64Url.DecodeFromChars(presented);
        if (token[0] != Version)
        {
            return CsrfTokenReadStatus.Malformed;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        HMACSHA256.HashData(key, token.AsSpan(0, MacOffset), expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, token.AsSpan(MacOffset, MacLength)))
        {
            return CsrfTokenReadStatus.BadSignature;
        }

        content = new CsrfTokenContent(
            new SessionId(new Guid(token.AsSpan(SessionOffset, 16))),
            BinaryPrimitives.ReadInt64BigEndian(token.AsSpan(GenerationOffset, 8)),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(token.AsSpan(IssuedAtOffset, 8))));
        return CsrfTokenReadStatus.Valid;
    }
}
