using System.Globalization;
using System.Text.Json;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// An error a toolbox handler throws; ends the request with the daemon's error body
/// {statusCode, message, code, timestamp, path, method, source}.
/// </summary>
public sealed class ToolboxException(int status, string code, string message, string source = ToolboxErrors.DaemonSource)
    : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string ErrorSource { get; } = source;

    public static ToolboxException BadRequest(string message) => new(400, "BAD_REQUEST", message);
    public static ToolboxException NotFound(string message) => new(404, "FILE_NOT_FOUND", message);
    public static ToolboxException Forbidden(string message) => new(403, "FILE_ACCESS_DENIED", message);
    public static ToolboxException Conflict(string message) => new(409, "CONFLICT", message);
}

public static class ToolboxErrors
{
    public const string DaemonSource = "DAYTONA_DAEMON";
    public const string ProxySource = "DAYTONA_PROXY";

    public static Dictionary<string, object> Body(HttpContext http, int status, string code, string message, string source) => new()
    {
        ["statusCode"] = status,
        ["message"] = message,
        ["code"] = code,
        // Go's time.RFC3339, as the daemon writes it.
        ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["path"] = http.Request.Path.Value ?? "",
        ["method"] = http.Request.Method,
        ["source"] = source,
    };

    public static Dictionary<string, object> Body(HttpContext http, ToolboxException ex) =>
        Body(http, ex.Status, ex.Code, ex.Message, ex.ErrorSource);

    public static async Task WriteAsync(HttpContext http, ToolboxException ex)
    {
        if (http.Response.HasStarted) return;
        http.Response.StatusCode = ex.Status;
        http.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(http.Response.Body, Body(http, ex), JsonDefaults.Options);
    }

    public static IResult Result(HttpContext http, ToolboxException ex) =>
        Results.Json(Body(http, ex), JsonDefaults.Options, statusCode: ex.Status);
}
