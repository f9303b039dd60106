using System.Buffers.Text;
using System.Text;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Admin;

/// <summary>The opaque <c>after</c> of the admin's user list: the last user id of a page.</summary>
public static class AdminCursor
{
    private const char Users = 'u';

    public static string Encode(UserId last) => Base64Url.EncodeToString(Encoding.ASCII.GetBytes(Users + last.Value.ToString("N")));

    public static bool TryDecode(string? cursor, out UserId last)
    {
        last = default;
        if (cursor is null || cursor.Length > 64 || !Base64Url.IsValid(cursor))
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
        if (text.Length != 33 || text[0] != Users || !Guid.TryParseExact(text.AsSpan(1), "N", out var id))
        {
            return false;
        }

        last = new UserId(id);
        return true;
    }
}
