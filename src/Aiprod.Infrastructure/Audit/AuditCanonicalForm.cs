using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Aiprod.Infrastructure.Audit;

/// <summary>
/// An audit row as stored: every column, read without the model's conversions, so a row rewritten by hand with a value
/// the model would refuse (an unknown actor kind) is still read, hashed and found out rather than failing the reader.
/// </summary>
internal sealed record StoredAuditRow(
    long Id,
    long? Seq,
    string? Hash,
    DateTimeOffset OccurredAt,
    string EventType,
    string ActorKind,
    string? ActorId,
    string? Target,
    string Outcome,
    string? ClientAddress,
    string? UserAgent,
    string? TraceId,
    string? Details)
{
    /// <summary>False when a column could not be read as its type (a time rewritten as text): such a row never verifies.</summary>
    public bool Readable { get; init; } = true;
}

/// <summary>
/// The canonical form of audit events and checkpoints, and the chain hash. Documented in the README (Audit chain) so
/// that a verifier outside this code base can rebuild it: a JSON object whose members are in code-point order of their
/// names, with no white space, strings escaped as RFC 8785 (JCS) does (only <c>"</c>, <c>\</c> and U+0000–U+001F, the
/// latter as <c>\b \t \n \f \r</c> or <c>\u00xx</c>), integers in decimal, times as UTC <c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c>
/// strings, absent values as <c>null</c>; then UTF-8.
/// </summary>
internal static class AuditCanonicalForm
{
    public const int HashBytes = 32;

    /// <summary>The previous hash of the first event: 32 zero bytes.</summary>
    public static readonly byte[] Genesis = new byte[HashBytes];

    public static string Event(StoredAuditRow row, long seq)
    {
        var json = new StringBuilder(256);
        json.Append('{');
        Member(json, "actor_id", row.ActorId, first: true);
        Member(json, "actor_kind", row.ActorKind);
        Member(json, "client_address", row.ClientAddress);
        Member(json, "details", row.Details);
        Member(json, "event_type", row.EventType);
        Member(json, "id", row.Id);
        Member(json, "occurred_at", Time(row.OccurredAt));
        Member(json, "outcome", row.Outcome);
        Member(json, "seq", seq);
        Member(json, "target", row.Target);
        Member(json, "trace_id", row.TraceId);
        Member(json, "user_agent", row.UserAgent);
        return json.Append('}').ToString();
    }

    public static string Checkpoint(long seq, string headHash, long count, DateTimeOffset at, string keyId)
    {
        var json = new StringBuilder(192);
        json.Append('{');
        Member(json, "at", Time(at), first: true);
        Member(json, "count", count);
        Member(json, "head_hash", headHash);
        Member(json, "kid", keyId);
        Member(json, "seq", seq);
        return json.Append('}').ToString();
    }

    /// <summary><c>SHA-256(UTF-8(canonical) || previous hash)</c>, the previous hash as its 32 raw bytes.</summary>
    public static string Hash(string canonical, ReadOnlySpan<byte> previousHash)
    {
        var text = Encoding.UTF8.GetBytes(canonical);
        var input = new byte[text.Length + HashBytes];
        text.CopyTo(input, 0);
        previousHash.CopyTo(input.AsSpan(text.Length));
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }

    /// <summary>The raw bytes of a stored hash, or null when it is not 64 hex digits.</summary>
    public static byte[]? HashBytesOf(string? hash)
    {
        if (hash is not { Length: HashBytes * 2 })
        {
            return null;
        }

        try
        {
            return Convert.FromHexString(hash);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string Time(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static void Member(StringBuilder json, string name, long value, bool first = false)
    {
        Name(json, name, first);
        json.Append(value.ToString(CultureInfo.InvariantCulture));
    }

    private static void Member(StringBuilder json, string name, string? value, bool first = false)
    {
        Name(json, name, first);
        if (value is null)
        {
            json.Append("null");
        }
        else
        {
            String(json, value);
        }
    }

    private static void Name(StringBuilder json, string name, bool first)
    {
        if (!first)
        {
            json.Append(',');
        }

        String(json, name);
        json.Append(':');
    }

    private static void String(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\t': json.Append("\\t"); break;
                case '\n': json.Append("\\n"); break;
                case '\f': json.Append("\\f"); break;
                case '\r': json.Append("\\r"); break;
                case < ' ': json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }

        json.Append('"');
    }
}
