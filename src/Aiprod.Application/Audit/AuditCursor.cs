using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Aiprod.Application.Audit;

/// <summary>
/// The opaque <c>after</c> of the audit routes: base64url of a kind letter and a position (an event id, a checkpoint
/// sequence number). Opaque so that clients page with it rather than compute offsets; the kind letter keeps one route's
/// cursor from being taken by the other.
/// </summary>
public static class AuditCursor
{
    public const char Events = 'e';
    public const char Checkpoints = 'c';

    public static string Encode(char kind, long position) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"{kind}{position.ToString(CultureInfo.InvariantCulture)}"));

    public static bool TryDecode(string? cursor, char kind, out long position)
    {
        position = 0;
        if (cursor is null || cursor.Length > 32 || !Base64Url.IsValid(cursor))
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
        return text.Length > 1 && text[0] == kind
            && long.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out position) && position > 0;
    }
}
