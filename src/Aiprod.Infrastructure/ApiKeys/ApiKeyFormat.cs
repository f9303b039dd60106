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

    /// <summary>Shape and checksum only; says nothing about whether the key exists.</summary>
    public static bool IsWellFormed(string? key)
    {
        if (key is null || key.Length != Length || !key.StartsWith(Marker, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in key.AsSpan(Marker.Length))
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        var head = key[..(Length - ChecksumLength)];
        return string.Equals(Checksum(head), key[(Length - ChecksumLength)..], StringComparison.Ordinal);
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(key)));

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
