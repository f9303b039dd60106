namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>A SHA-256 as four 64-bit words, for dictionary keys without a string per request.</summary>
public readonly record struct KeyHash(ulong A, ulong B, ulong C, ulong D)
{
    public static KeyHash From(ReadOnlySpan<byte> sha256)
    {
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(sha256);
        return new KeyHash(words[0], words[1], words[2], words[3]);
    }

    public static KeyHash FromHex(string hex) => From(Convert.FromHexString(hex));

    public string ToHex()
    {
        Span<ulong> words = [A, B, C, D];
        return Convert.ToHexStringLower(System.Runtime.InteropServices.MemoryMarshal.AsBytes(words));
    }
}
