using System.Collections;
using System.Reflection;
using System.Text.Json;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>
/// Reads request bodies ourselves (not through minimal-API binding) so that bad JSON and wrong
/// types give Daytona's 400 body with class-validator-style messages, never ProblemDetails.
/// </summary>
internal static class JsonBody
{
    // NestJS matches property names case-sensitively.
    private static readonly JsonSerializerOptions ReadOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = false,
    };

    public static async Task<T> ReadAsync<T>(HttpContext http) where T : class, new()
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        if (buffer.Length == 0 || buffer.ToArray().All(b => b is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t'))
            return new T();
        try
        {
            buffer.Position = 0;
            return JsonSerializer.Deserialize<T>(buffer, ReadOptions) ?? new T();
        }
        catch (JsonException ex)
        {
            throw new DaytonaHttpException(400, Describe(typeof(T), ex));
        }
    }

    /// <summary>Turns a deserialisation failure into the message class-validator would give.</summary>
    private static string Describe(Type type, JsonException ex)
    {
        var path = ex.Path ?? "$";
        var name = path.Length > 2 ? path[2..].Split('.', '[')[0] : "";
        var property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name) == name);
        // Conversion failures name a property; anything else is malformed JSON.
        var conversion = ex.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal);
        if (property is null || !conversion)
        {
            // Malformed JSON: the message body-parser gives.
            return $"Unexpected token in JSON at position {ex.BytePositionInLine ?? 0}";
        }
        var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var nested = path.Length > 2 + name.Length;
        if (t == typeof(string)) return $"{name} must be a string";
        if (t == typeof(int) || t == typeof(long)) return $"{name} must be an integer number";
        if (t == typeof(double)) return $"{name} must be a number conforming to the specified constraints";
        if (t == typeof(bool)) return $"{name} must be a boolean value";
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            return nested ? $"each value in {name} must be a string" : $"{name} must be an object";
        if (typeof(IEnumerable).IsAssignableFrom(t))
            return nested ? $"each value in {name} must be valid" : $"{name} must be an array";
        return $"nested property {name} must be either object or array";
    }
}
