namespace Aiprod.Application.Exports;

/// <summary>Configuration section <c>Exports</c>.</summary>
public sealed class ExportOptions
{
    public const string SectionName = "Exports";

    /// <summary>The most bytes one export may have, enforced while it is written (10 GB by default).</summary>
    public long MaxBytes { get; set; } = 10L * 1000 * 1000 * 1000;

    /// <summary>The most jobs <c>GET /jobs/export</c> answers directly; larger selections go through <c>POST /exports</c>.</summary>
    public int MaxDirectJobs { get; set; } = 10_000;
}
