using Aiprod.Application.Abstractions;
using Aiprod.Infrastructure.Security;

namespace Aiprod.Infrastructure.Tests;

public sealed class PasswordHasherTests
{
    private readonly IdentityPasswordHasher hasher = new();

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
}
