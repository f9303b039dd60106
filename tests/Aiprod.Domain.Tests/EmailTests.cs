using Aiprod.Domain.Users;

namespace Aiprod.Domain.Tests;

public sealed class EmailTests
{
    [Theory]
    [InlineData("Ann@Example.COM", "ann@example.com")]
    [InlineData("  bob@example.org ", "bob@example.org")]
    public void TryCreate_NormalisesCaseAndWhitespace(string raw, string expected)
    {
        Assert.True(Email.TryCreate(raw, out var email));
        Assert.Equal(expected, email.Value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not-an-email")]
    [InlineData("Ann <ann@example.com>")]
    [InlineData("a@")]
    public void TryCreate_RefusesWhatIsNotAnAddress(string? raw)
    {
        Assert.False(Email.TryCreate(raw, out _));
    }

    [Fact]
    public void TryCreate_RefusesAddressesLongerThan254()
    {
        var local = new string('a', 64);
        var domain = string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + ".com";
        Assert.False(Email.TryCreate($"{local}@{domain}", out _));
    }

    [Fact]
    public void Equality_IsByNormalisedValue()
    {
        Email.TryCreate("ANN@example.com", out var a);
        Email.TryCreate("ann@EXAMPLE.com", out var b);
        Assert.Equal(a, b);
    }
}
