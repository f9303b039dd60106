namespace Aiprod.Domain.Common;

/// <summary>The value of a result that carries no data.</summary>
public readonly record struct Done
{
    public static Done Value => default;
}
