using System.Text.Json;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// Daytona's toolbox (sandbox daemon) API under /toolbox/{sandboxId}. Every route first resolves
/// the sandbox the way Daytona's proxy does: unknown -> 404, not started -> 400 (source
/// DAYTONA_PROXY), then records activity.
/// </summary>
public static class ToolboxEndpoints
{
    private const string SandboxItem = "daytona.toolbox.sandbox";

    public static void Map(WebApplication app)
    {
        var group = app.MapGroup("/toolbox/{sandboxId}");
        group.AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            try
            {
                http.Items[SandboxItem] = ResolveSandbox(http);
                return await next(invocation);
            }
            catch (ToolboxException ex) when (!http.Response.HasStarted)
            {
                return ToolboxErrors.Result(http, ex);
            }
            catch (Exception ex) when (!http.Response.HasStarted && Translate(ex) is { } translated)
            {
                return ToolboxErrors.Result(http, translated);
            }
            catch (Exception ex) when (!http.Response.HasStarted && ex is not OperationCanceledException)
            {
                return ToolboxErrors.Result(http, new ToolboxException(500, "INTERNAL_SERVER_ERROR", ex.Message));
            }
        });

        group.MapGet("/work-dir", () => Results.Json(new { dir = SandboxPaths.WorkDir }, JsonDefaults.Options));
        group.MapGet("/user-home-dir", () => Results.Json(new { dir = SandboxPaths.HomeDir }, JsonDefaults.Options));
        group.MapPost("/env", (Delegate)UpdateEnvAsync);
        group.MapGet("/system/metrics", (HttpContext http, EmulatorContext ctx) => Results.Json(ctx.Metrics.Latest(http.Sandbox()), JsonDefaults.Options));
        group.MapGet("/version", () => Results.Json(new Dictionary<string, string> { ["version"] = "v0.0.0-emulator" }, JsonDefaults.Options));
        ProcessEndpoints.Map(group);
        SessionEndpoints.Map(group);
        if (OperatingSystem.IsLinux()) PtyEndpoints.Map(group);
        FileEndpoints.Map(group);
        PortEndpoints.Map(group);
        CodeRunEndpoints.Map(group);
        InterpreterEndpoints.Map(group);
        GitEndpoints.Map(group);
    }

    /// <summary>
    /// POST /env {set?, unset?, unsetValuePrefix?}: unset first (by name, then every variable whose value has the
    /// prefix and whose name is not being set), then set; the answer is the resulting env. Later commands see it.
    /// </summary>
    private static async Task<IResult> UpdateEnvAsync(HttpContext http)
    {
        var request = await ReadJsonAsync<UpdateEnvRequest>(http);
        foreach (var name in (request.Set?.Keys ?? Enumerable.Empty<string>()).Concat(request.Unset ?? []))
        {
            if (string.IsNullOrEmpty(name) || name.Contains('=') || name.Contains('\0'))
                throw ToolboxException.BadRequest($"invalid environment variable name '{name}'");
        }
        if (request.Set is not null && request.Set.Values.Any(v => v is null || v.Contains('\0')))
            throw ToolboxException.BadRequest("environment variable values must be strings without NUL characters");
        var result = http.Sandbox().ChangeDaemonEnv(env =>
        {
            foreach (var name in request.Unset ?? []) env.Remove(name);
            if (!string.IsNullOrEmpty(request.UnsetValuePrefix))
            {
                foreach (var (name, value) in env.ToList())
                {
                    if (value.StartsWith(request.UnsetValuePrefix, StringComparison.Ordinal) && request.Set?.ContainsKey(name) != true) env.Remove(name);
                }
            }
            foreach (var (name, value) in request.Set ?? []) env[name] = value;
        });
        return Results.Json(result, JsonDefaults.Options);
    }

    private sealed class UpdateEnvRequest
    {
        public Dictionary<string, string>? Set { get; set; }
        public List<string>? Unset { get; set; }
        public string? UnsetValuePrefix { get; set; }
    }

    /// <summary>The sandbox the current toolbox request addresses (set by the group filter).</summary>
    public static SandboxRecord Sandbox(this HttpContext http) => (SandboxRecord)http.Items[SandboxItem]!;

    private static SandboxRecord ResolveSandbox(HttpContext http)
    {
        var id = http.GetRouteValue("sandboxId") as string ?? "";
        var context = http.RequestServices.GetRequiredService<EmulatorContext>();
        if (!context.Store.TryGet(id, out var sandbox))
            throw new ToolboxException(404, "NOT_FOUND", $"Sandbox with ID {id} not found", ToolboxErrors.ProxySource);
        var state = sandbox.State;
        if (state != "started")
        {
            // Daytona's proxy refuses toolbox calls unless the sandbox runs (exact status UNCONFIRMED).
            throw new ToolboxException(400, "BAD_REQUEST", $"Sandbox {sandbox.Id} is not started (state: {state})", ToolboxErrors.ProxySource);
        }
        sandbox.Touch();
        return sandbox;
    }

    /// <summary>Filesystem failures as the daemon reports them.</summary>
    private static ToolboxException? Translate(Exception ex) => ex switch
    {
        UnauthorizedAccessException => ToolboxException.Forbidden(ex.Message),
        FileNotFoundException or DirectoryNotFoundException => ToolboxException.NotFound(ex.Message),
        IOException => ToolboxException.BadRequest(ex.Message),
        _ => null,
    };

    /// <summary>Reads a JSON body; a malformed one is the daemon's 400 INVALID_REQUEST_BODY.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpContext http) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(http.Request.Body, JsonDefaults.Options, http.RequestAborted)
                ?? throw new ToolboxException(400, "INVALID_REQUEST_BODY", "invalid request body: empty");
        }
        catch (JsonException ex)
        {
            throw new ToolboxException(400, "INVALID_REQUEST_BODY", $"invalid request body: {ex.Message}");
        }
    }

    /// <summary>The environment a sandbox command starts with: the sandbox's env, then the request's.</summary>
    public static List<KeyValuePair<string, string>> CommandEnvironment(SandboxRecord sandbox, IDictionary<string, string>? extra = null)
    {
        var env = new List<KeyValuePair<string, string>> { new("USER", sandbox.User), new("LOGNAME", sandbox.User) };
        env.AddRange(sandbox.DaemonEnvSnapshot());
        if (extra is not null) env.AddRange(extra);
        foreach (var (name, value) in env)
        {
            if (name.Length == 0 || name.Contains('=') || name.Contains('\0') || value.Contains('\0'))
                throw ToolboxException.BadRequest($"invalid environment variable name '{name}'");
        }
        return env;
    }
}
