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

    [Fact]
    public void TryCreate_ComposesToNfc_SoOneAddressTypedTwoWaysIsOneAddress()
    {
        Assert.True(Email.TryCreate("Jos\u0065\u0301@example.com", out var decomposed));
        Assert.True(Email.TryCreate("jos\u00e9@example.com", out var composed));
        Assert.True(Email.TryCreate("JOS\u0045\u0301@EXAMPLE.COM", out var decomposedUpper));

        Assert.Equal("jos\u00e9@example.com", decomposed.Value);
        Assert.Equal(composed, decomposed);
        Assert.Equal(composed, decomposedUpper);
    }

    [Fact]
    public void TryCreate_ChecksTheLengthOfTheNormalisedForm()
    {
        // U+0958 is excluded from composition: NFC writes it as two characters, so the normalised form is longer.
        var local = new string('\u0958', 120);
        var domain = "@" + new string('b', 133 - "@.com".Length) + ".com";

        Assert.Equal(253, local.Length + domain.Length);
        Assert.False(Email.TryCreate(local + domain, out _));
        Assert.True(Email.TryCreate(local[..60] + domain, out var fits));
        Assert.Equal(120 + domain.Length, fits.Value.Length);
    }
}
