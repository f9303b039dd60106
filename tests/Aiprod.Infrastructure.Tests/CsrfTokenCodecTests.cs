using System.Buffers.Text;
using System.Security.Cryptography;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Sessions;
using Aiprod.Infrastructure.Csrf;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Infrastructure.Tests;

public sealed class CsrfTokenCodecTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 19, 0, 0, TimeSpan.Zero);

    private readonly CsrfTokenCodec codec = new(Key);

    [Fact]
    public void AnIssuedToken_ReadsBack_WhatWasSigned()
    {
        var session = new SessionId(Guid.NewGuid());
        var token = codec.Issue(session, 42, Now);

        Assert.Equal(CsrfTokenCodec.TokenLength, token.Length);
        Assert.Equal(CsrfTokenReadStatus.Valid, codec.Read(token, out var content));
        Assert.Equal(new CsrfTokenContent(session, 42, Now), content);
    }

    [Fact]
    public void TwoTokens_OfOneSessionAndInstant_Differ()
    {
        var session = new SessionId(Guid.NewGuid());
        Assert.NotEqual(codec.Issue(session, 0, Now), codec.Issue(session, 0, Now));
    }

    [Fact]
    public void EveryTamperedByte_IsRefused()
    {
        var bytes = Base64Url.DecodeFromChars(codec.Issue(new SessionId(Guid.NewGuid()), 3, Now));
        for (var i = 0; i < bytes.Length; i++)
        {
            var tampered = (byte[])bytes.Clone();
            tampered[i] ^= 0x01;
            var status = codec.Read(Base64Url.EncodeToString(tampered), out _);
            // The version byte makes the token unreadable; every other byte breaks the MAC.
            Assert.Equal(i == 0 ? CsrfTokenReadStatus.Malformed : CsrfTokenReadStatus.BadSignature, status);
        }
    }

    [Fact]
    public void ATokenOfAnotherKey_IsRefused()
    {
        var other = new CsrfTokenCodec(RandomNumberGenerator.GetBytes(32));
        Assert.Equal(CsrfTokenReadStatus.BadSignature, codec.Read(other.Issue(new SessionId(Guid.NewGuid()), 0, Now), out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(50)]
    public void ATruncatedOrExtendedToken_IsMalformed(int by)
    {
        var token = codec.Issue(new SessionId(Guid.NewGuid()), 0, Now);
        Assert.Equal(CsrfTokenReadStatus.Malformed, codec.Read(token[..^by], out _));
        Assert.Equal(CsrfTokenReadStatus.Malformed, codec.Read(token + new string('A', by), out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a token")]
    public void Nonsense_IsMalformed(string? presented) =>
        Assert.Equal(CsrfTokenReadStatus.Malformed, codec.Read(presented, out _));

    [Fact]
    public void NotBase64Url_OfTheRightLength_IsMalformed()
    {
        var token = codec.Issue(new SessionId(Guid.NewGuid()), 0, Now);
        Assert.Equal(CsrfTokenReadStatus.Malformed, codec.Read("*" + token[1..], out _));
        Assert.Equal(CsrfTokenReadStatus.Malformed, codec.Read(token[..^1] + "=", out _));
    }

    [Fact]
    public void AShortKey_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new CsrfTokenCodec(new byte[31]));

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("c2hvcnQ=", false)]
    [InlineData("not base64!", false)]
    public void ConfiguredKeys_AreChecked(string? key, bool valid) => Assert.Equal(valid, CsrfOptions.IsValidKey(key));

    [Fact]
    public void A32ByteKey_IsAccepted() => Assert.True(CsrfOptions.IsValidKey(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
}

/// <summary>The per-session generations without Redis (this instance's memory is the truth).</summary>
public sealed class CsrfGenerationsTests
{
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(61);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 29, 19, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task AdvanceEndsEarlierGenerations()
    {
        var generations = new CsrfGenerations(clock);
        var session = new SessionId(Guid.NewGuid());
        var first = await generations.CurrentAsync(session, Keep);
        Assert.True(await generations.IsCurrentAsync(session, first));

        var next = await generations.AdvanceAsync(session, Keep);
        Assert.True(next > first);
        Assert.False(await generations.IsCurrentAsync(session, first));
        Assert.True(await generations.IsCurrentAsync(session, next));
        Assert.Equal(next, await generations.CurrentAsync(session, Keep));
        Assert.True(await generations.IsCurrentAsync(new SessionId(Guid.NewGuid()), 0));
    }

    [Fact]
    public async Task ConcurrentAdvances_AreTotallyOrdered()
    {
        var generations = new CsrfGenerations(clock);
        var session = new SessionId(Guid.NewGuid());
        var advanced = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            await Task.Yield();
            return await generations.AdvanceAsync(session, Keep);
        })));

        Assert.Equal(Enumerable.Range(1, 64).Select(i => (long)i), advanced.Order());
        var current = 0;
        foreach (var generation in advanced)
        {
            current += await generations.IsCurrentAsync(session, generation) ? 1 : 0;
        }

        Assert.Equal(1, current);
    }

    [Fact]
    public async Task ARecordKeptPastItsTime_StartsAgain_AfterItsTokensExpired()
    {
        var generations = new CsrfGenerations(clock);
        var session = new SessionId(Guid.NewGuid());
        var advanced = await generations.AdvanceAsync(session, Keep);

        clock.Advance(Keep - TimeSpan.FromSeconds(1));
        Assert.Equal(advanced, await generations.CurrentAsync(session, Keep));

        // Issuing under it kept it for another full period.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await generations.IsCurrentAsync(session, advanced));
        clock.Advance(Keep);
        Assert.False(await generations.IsCurrentAsync(session, advanced));
        Assert.Equal(0, await generations.CurrentAsync(session, Keep));
    }
}
