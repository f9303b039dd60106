using CsvHelper;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// CSV through CsvHelper: RFC 4180 (fields with a comma, a quote, CR or LF quoted, quotes doubled), CRLF, UTF-8, a BOM
/// on request, and OWASP's CSV-injection escaping done here (<see cref="NeedsEscape"/>): a cell whose first character
/// after leading white space and invisible format characters is <c>= + - @</c> (or their full-width forms), tab, CR or
/// LF is written with a leading <c>'</c> and quoted, so a spreadsheet shows it as text instead of running it. Every
/// cell is written as text, so the rule holds for numbers too (<c>-1</c> becomes <c>'-1</c>). CsvHelper writes to the
/// stream only in its async calls here, never synchronously.
/// </summary>
internal sealed class JobCsvWriter : IAsyncDisposable
{
    /// <summary>OWASP's list plus LF, which some spreadsheets also take as the start of a formula, and the full-width
    /// forms of = + - @, which spreadsheets fold to the ASCII ones.</summary>
    public const string InjectionCharacters = "=+-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20";

    private readonly CsvWriter csv;

    private JobCsvWriter(CsvWriter csv) => this.csv = csv;

    public static JobCsvWriter Create(Stream destination, bool bom) => new(CsvWriter.Create(
        destination,
        new CsvWriterOptions
        {
            NewLine = "\r\n",
            // CsvHelper looks at the first character only; a leading space, no-break space or zero-width character
            // would pass it, so the rule is applied in WriteRowAsync instead.
            Injection = CsvInjection.None,
            WriteByteOrderMark = bom,
        },
        leaveOpen: true));

    /// <summary>
    /// Whether the cell could start a formula: its first character that is neither white space (tab, CR and LF
    /// excepted, they are triggers themselves) nor an invisible format character (BOM, zero-width space, joiners, word
    /// joiner) is one of <see cref="InjectionCharacters"/>.
    /// </summary>
    public static bool NeedsEscape(ReadOnlySpan<char> cell)
    {
        foreach (var c in cell)
        {
            if (InjectionCharacters.Contains(c, StringComparison.Ordinal))
            {
                return true;
            }

            if (!char.IsWhiteSpace(c) && c is not ('\uFEFF' or (>= '\u200B' and <= '\u200D') or '\u2060'))
            {
                return false;
            }
        }

        return false;
    }

    public async ValueTask WriteRowAsync(IReadOnlyList<string?> cells, CancellationToken cancellationToken)
    {
        foreach (var cell in cells)
        {
            if (cell is not null && NeedsEscape(cell))
            {
                csv.WriteField("'" + cell, CsvQuoting.Always);
            }
            else
            {
                csv.WriteField(cell);
            }
        }

        await csv.EndRecordAsync(cancellationToken);
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => csv.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => csv.DisposeAsync();
}
