using System.Security.Cryptography;
using Aiprod.Domain.ApiKeys;
using Aiprod.Infrastructure.ApiKeys;

namespace Aiprod.Infrastructure.Tests;

public sealed class ApiKeyFormatTests
{
    [Fact]
    public void Create_GivesAFixedLengthAlphanumericKeyWithTheMarker()
    {
        for (var i = 0; i < 200; i++)
        {
            var key = ApiKeyFormat.Create(RandomNumberGenerator.GetBytes(32));

            Assert.Equal(ApiKeyFormat.Length, key.Length);
            Assert.StartsWith("aip_", key, StringComparison.Ordinal);
            Assert.True(key[4..].All(char.IsAsciiLetterOrDigit));
            Assert.True(ApiKeyFormat.IsWellFormed(key));
        }
    }

    [Fact]
    public void Create_OfExtremeBytes_StillFits()
    {
        Assert.True(ApiKeyFormat.IsWellFormed(ApiKeyFormat.Create(new byte[32])));
        Assert.True(ApiKeyFormat.IsWellFormed(ApiKeyFormat.Create(Enumerable.Repeat((byte)0xFF, 32).ToArray())));
    }

    [Fact]
    public void IsWellFormed_RefusesEverySingleCharacterTypo()
    {
        var key = ApiKeyFormat.Create(RandomNumberGenerator.GetBytes(32));
        var refused = 0;
        var tried = 0;
        for (var i = 4; i < key.Length; i++)
        {
            var swapped = key[i] == 'a' ? 'b' : 'a';
            var typo = key[..i] + swapped + key[(i + 1)..];
            tried++;
            refused += ApiKeyFormat.IsWellFormed(typo) ? 0 : 1;
        }

        Assert.Equal(tried, refused);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("aip_short")]
    [InlineData("sk_live_0000000000000000000000000000000000000000000000000")]
    public void IsWellFormed_RefusesWhatIsNotAKey(string? candidate)
    {
        Assert.False(ApiKeyFormat.IsWellFormed(candidate));
    }

    [Fact]
    public void IsWellFormed_RefusesAnotherMarkerAndNonAlphanumerics()
    {
        var key = ApiKeyFormat.Create(RandomNumberGenerator.GetBytes(32));

        Assert.False(ApiKeyFormat.IsWellFormed("xyz_" + key[4..]));
        Assert.False(ApiKeyFormat.IsWellFormed(key[..10] + "-" + key[11..]));
        Assert.False(ApiKeyFormat.IsWellFormed(key + "x"));
    }

    [Fact]
    public void HashAndPrefix_AreStableAndRevealNothingMore()
    {
        var key = ApiKeyFormat.Create(RandomNumberGenerator.GetBytes(32));

        Assert.Equal(ApiKeyFormat.Hash(key), ApiKeyFormat.Hash(key));
        Assert.Equal(64, ApiKeyFormat.Hash(key).Length);
        Assert.Equal(key[..12], ApiKeyFormat.DisplayPrefix(key));
        // The cache derives the stored (hex) hash from its key words: the two must name the same SHA-256.
        Assert.Equal(ApiKeyFormat.Hash(key), ApiKeyFormat.HashKey(key).ToHex());
        Assert.Equal(ApiKeyFormat.HashKey(key), KeyHash.FromHex(ApiKeyFormat.Hash(key)));
    }

    [Fact]
    public void UsageRecorder_DrainsAndRestoresWithoutLosingCounts()
    {
        var recorder = new ApiKeyUsageRecorder();
        var id = new ApiKeyId(Guid.NewGuid());
        var t0 = DateTimeOffset.UnixEpoch;
        Parallel.For(0, 1000, i => recorder.Record(id, t0.AddSeconds(i)));

        var batch = recorder.Drain();
        recorder.Record(id, t0.AddSeconds(5000));
        recorder.Restore(batch);
        var all = recorder.Drain();

        Assert.Equal(1001, all[id].Count);
        Assert.Equal(t0.AddSeconds(5000), all[id].LastUsedAt);
        Assert.Empty(recorder.Drain());
    }
}
