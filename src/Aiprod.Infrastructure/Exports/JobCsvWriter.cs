using CsvHelper;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// CSV through CsvHelper: RFC 4180 (fields with a comma, a quote, CR or LF quoted, quotes doubled), CRLF, UTF-8, a BOM
/// on request, and OWASP's CSV-injection escaping: a cell starting with <c>= + - @</c>, tab, CR or LF is written with a
/// leading <c>'</c> and quoted, so a spreadsheet shows it as text instead of running it. Every cell is written as text,
/// so the rule holds for numbers too (<c>-1</c> becomes <c>'-1</c>). CsvHelper writes to the stream only in its
/// async calls here, never synchronously.
/// </summary>
internal sealed class JobCsvWriter : IAsyncDisposable
{
    /// <summary>OWASP's list (CsvHelper's default) plus LF, which some spreadsheets also take as the start of a formula.</summary>
    public const string InjectionCharacters = "=+-@\t\r\n";

    private readonly CsvWriter csv;

    private JobCsvWriter(CsvWriter csv) => this.csv = csv;

    public static JobCsvWriter Create(Stream destination, bool bom) => new(CsvWriter.Create(
        destination,
        new CsvWriterOptions
        {
            NewLine = "\r\n",
            Injection = CsvInjection.Escape,
            InjectionCharacters = InjectionCharacters,
            InjectionEscape = '\'',
            WriteByteOrderMark = bom,
        },
        leaveOpen: true));

    public async ValueTask WriteRowAsync(IReadOnlyList<string?> cells, CancellationToken cancellationToken)
    {
        foreach (var cell in cells)
        {
            csv.WriteField(cell);
        }

        await csv.EndRecordAsync(cancellationToken);
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => csv.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => csv.DisposeAsync();
}
