using System.IO.Hashing;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>
/// <c>aip_</c> + base62 of 32 random bytes (43 characters) + a 6-character base62 CRC32 of everything before it.
/// The checksum lets a mistyped, truncated or invented key be refused without touching the database, as
/// GitHub's token format does; it is not a secret and adds no security beyond that.
/// </summary>
public static class ApiKeyFormat
{
    public const string Marker = "aip_";
    public const int BodyLength = 43;
    public const int ChecksumLength = 6;
    public const int Length = 4 + BodyLength + ChecksumLength;
    public const int DisplayPrefixLength = 12;

    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Create(ReadOnlySpan<byte> random32)
    {
        if (random32.Length != 32)
        {
            throw new ArgumentException("An API key carries exactly 32 random bytes.", nameof(random32));
        }

        var head = Marker + Base62(new BigInteger(random32, isUnsigned: true, isBigEndian: true), BodyLength);
        return head + Checksum(head);
    }

    /// <summary>Shape and checksum only; says nothing about whether the key exists. Allocates nothing.</summary>
    public static bool IsWellFormed(string? key)
    {
        if (key is null || key.Length != Length || !key.StartsWith(Marker, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> ascii = stackalloc byte[Length];
        for (var i = 0; i < Length; i++)
        {
            var c = key[i];
            if (i >= Marker.Length && !char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }

            ascii[i] = (byte)c;
        }

        var crc = Crc32.HashToUInt32(ascii[..(Length - ChecksumLength)]);
        var checksum = key.AsSpan(Length - ChecksumLength);
        for (var i = ChecksumLength - 1; i >= 0; i--)
        {
            if (checksum[i] != Alphabet[(int)(crc % 62)])
            {
                return false;
            }

            crc /= 62;
        }

        return true;
    }

    public static string Hash(string key) => Convert.ToHexStringLower(HashBytes(key));

    /// <summary>The SHA-256 of a well-formed key as four words: a cache key that needs no string.</summary>
    public static KeyHash HashKey(string key)
    {
        Span<byte> ascii = stackalloc byte[Math.Min(key.Length, 256)];
        var written = Encoding.ASCII.GetBytes(key.AsSpan(0, ascii.Length), ascii);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(ascii[..written], hash);
        return KeyHash.From(hash);
    }

    private static byte[] HashBytes(string key)
    {
        Span<byte> ascii = stackalloc byte[Math.Min(key.Length, 256)];
        var written = Encoding.ASCII.GetBytes(key.AsSpan(0, ascii.Length), ascii);
        return SHA256.HashData(ascii[..written]);
    }

    public static string DisplayPrefix(string key) => key[..DisplayPrefixLength];

    private static string Checksum(string head) =>
        Base62(Crc32.HashToUInt32(Encoding.ASCII.GetBytes(head)), ChecksumLength);

    private static string Base62(BigInteger value, int width)
    {
        var chars = new char[width];
        for (var i = width - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }

        if (!value.IsZero)
        {
            throw new InvalidOperationException("The value does not fit the width.");
        }

        return new string(chars);
    }
}
