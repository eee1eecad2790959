using System.Text.Json;
using System.Text.Json.Serialization;

namespace DaytonaPS.Api;

/// <summary>The one set of System.Text.Json options for Daytona's wire format.</summary>
internal static class DaytonaJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        PropertyNameCaseInsensitive = true,
    };
}
