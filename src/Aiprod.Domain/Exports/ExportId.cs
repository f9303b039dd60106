using Aiprod.Domain.Common;

namespace Aiprod.Domain.Exports;

/// <summary>Identifies an <see cref="ExportJob"/>.</summary>
public readonly record struct ExportId(Guid Value) : IEntityId<ExportId>
{
    public static ExportId New(DateTimeOffset now) => new(Guid.CreateVersion7(now));

    public override string ToString() => Value.ToString();
}
