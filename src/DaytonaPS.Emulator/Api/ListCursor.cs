using System.Text;
using System.Text.Json;

namespace DaytonaPS.Emulator.Api;

/// <summary>
/// The opaque cursor of Daytona's cursor-paged lists (sandboxes, secrets): the sort key and id of
/// the last item of a page, as URL-safe base64 of a JSON pair. Each list answers its own error for
/// a cursor that does not decode.
/// </summary>
internal static class ListCursor
{
    public static string Encode(string key, string id) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new[] { key, id })).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string cursor, out (string Key, string Id) position)
    {
        position = default;
        try
        {
            var b64 = cursor.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var parts = JsonSerializer.Deserialize<string[]>(Encoding.UTF8.GetString(Convert.FromBase64String(b64)));
            if (parts is not { Length: 2 }) return false;
            position = (parts[0], parts[1]);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return false;
        }
    }
}
