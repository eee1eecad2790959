using System.Text.Json;

namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>Daytona's error body: {statusCode, error, message, path, timestamp} (NestJS global filter).</summary>
public static class DaytonaErrors
{
    public static IResult Result(HttpContext http, int status, string message) =>
        Results.Json(Body(http, status, message), JsonDefaults.Options, statusCode: status);

    public static object Body(HttpContext http, int status, string message) => new
    {
        statusCode = status,
        error = ReasonPhrase(status),
        message,
        path = http.Request.Path.Value + http.Request.QueryString.Value,
        timestamp = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),
    };

    public static async Task WriteAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(http.Response.Body, Body(http, status, message), JsonDefaults.Options);
    }

    public static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
    };
}

/// <summary>An error a handler throws to end the request with Daytona's error body.</summary>
public sealed class DaytonaHttpException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
    };
}
