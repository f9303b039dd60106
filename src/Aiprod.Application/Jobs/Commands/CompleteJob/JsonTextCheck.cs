using System.Text.Json;

namespace Aiprod.Application.Jobs.Commands.CompleteJob;

/// <summary>
/// The parser keeps escapes as they came, so <c>"\ud800"</c> parses; it fails only when decoded, which the job's
/// readers do. Decode every name and string once here, so what is stored can always be read back.
/// </summary>
internal static class JsonTextCheck
{
    public static bool DecodesAsText(JsonElement element)
    {
        try
        {
            Decode(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void Decode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    Decode(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Decode(item);
                }

                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}
