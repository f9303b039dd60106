using Aiprod.Application.Idempotency;

namespace Aiprod.Application.Tests;

/// <summary>The request hash an <c>Idempotency-Key</c> is bound to: two different requests never read as one.</summary>
public sealed class IdempotencyHashTests
{
    [Fact]
    public void TheSameFields_HashAlike() =>
        Assert.Equal(IdempotencyLedger.Hash("a", null, "c"), IdempotencyLedger.Hash("a", null, "c"));

    [Fact]
    public void TextHoldingASeparator_CannotMoveAcrossFields()
    {
        Assert.NotEqual(IdempotencyLedger.Hash("a\u001fb", "c"), IdempotencyLedger.Hash("a", "b\u001fc"));
        Assert.NotEqual(IdempotencyLedger.Hash("a;b", "c"), IdempotencyLedger.Hash("a", "b;c"));
        Assert.NotEqual(IdempotencyLedger.Hash("1:a;", "b"), IdempotencyLedger.Hash("1:a;1:b;"));
    }

    [Fact]
    public void AMissingField_IsNeitherEmptyNorAnyText()
    {
        Assert.NotEqual(IdempotencyLedger.Hash(null, "x"), IdempotencyLedger.Hash("", "x"));
        Assert.NotEqual(IdempotencyLedger.Hash(null, "x"), IdempotencyLedger.Hash("\u0000", "x"));
        Assert.NotEqual(IdempotencyLedger.Hash(null, "x"), IdempotencyLedger.Hash("-", "x"));
    }
}
