using System.Buffers.Binary;
using Aiprod.Application.Abstractions;
using Aiprod.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Tests;

public sealed class PasswordHasherTests
{
    private readonly IdentityPasswordHasher hasher = new(Options.Create(new PasswordHashingOptions()));

    /// <summary>The iteration count an Identity version-3 hash records: bytes 5 to 8, big-endian, after the format byte and the PRF.</summary>
    public static int IterationsOf(string hash)
    {
        var bytes = Convert.FromBase64String(hash);
        Assert.Equal(0x01, bytes[0]);
        return BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(5, 4));
    }

    [Fact]
    public void Hash_IsSaltedAndNeverThePassword()
    {
        var first = hasher.Hash("correct horse battery");
        var second = hasher.Hash("correct horse battery");

        Assert.DoesNotContain("correct horse battery", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Verify_AcceptsTheRightPasswordOnly()
    {
        var hash = hasher.Hash("correct horse battery");

        Assert.Equal(PasswordCheck.Succeeded, hasher.Verify(hash, "correct horse battery"));
        Assert.Equal(PasswordCheck.Failed, hasher.Verify(hash, "correct horse batterY"));
    }

    [Fact]
    public void Verify_OfAGarbageHash_FailsWithoutThrowing()
    {
        Assert.Equal(PasswordCheck.Failed, hasher.Verify("AQAAAAEAACcQAAAAE", "anything"));
    }

    [Fact]
    public void ByDefault_HashesUseOwaspsIterationCount()
    {
        Assert.Equal(210_000, PasswordHashingOptions.RecommendedIterations);
        Assert.Equal(PasswordHashingOptions.RecommendedIterations, IterationsOf(hasher.Hash("correct horse battery")));
    }

    [Fact]
    public void TheIterationCount_IsConfigurable()
    {
        var stronger = new IdentityPasswordHasher(Options.Create(new PasswordHashingOptions { Iterations = 250_000 }));

        Assert.Equal(250_000, IterationsOf(stronger.Hash("correct horse battery")));
    }

    [Fact]
    public void AHashWithFewerIterations_VerifiesButAsksForARehash()
    {
        var old = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 })).HashPassword(new object(), "correct horse battery");

        Assert.Equal(PasswordCheck.SucceededRehashNeeded, hasher.Verify(old, "correct horse battery"));
        Assert.Equal(PasswordCheck.Failed, hasher.Verify(old, "correct horse batterY"));
    }
}
