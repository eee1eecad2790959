using System.ComponentModel;
using System.Text;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// POST /process/code-run: runs a piece of Python or JavaScript once, as the daemon
/// does: the code goes base64-encoded into a shell line (`printf '%s' CODE | base64 -d | python3
/// -u - ARGV`), which the user's shell runs with stdout and stderr combined; the reply is
/// {exitCode, result}. argv is joined with spaces into that line, unquoted, as the daemon joins it
/// (so the shell splits and expands it). TypeScript (ts-node through npx in Daytona's images) is
/// refused as unsupported here. No chart artifacts (the daemon's matplotlib hook is not emulated).
/// </summary>
public static class CodeRunEndpoints
{
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    public sealed record CodeRunRequest(string? Code, string? Language, List<string>? Argv, Dictionary<string, string>? Envs, long? Timeout);

    public sealed record CodeRunResponse(int ExitCode, string Result);

    public static void Map(RouteGroupBuilder group) =>
        group.MapPost("/process/code-run", (Func<HttpContext, Task<IResult>>)RunAsync);

    /// <summary>The shell line that runs <paramref name="code"/> in <paramref name="language"/>; null for a language the daemon does not know.</summary>
    internal static string? ShellLine(string language, string code, IReadOnlyList<string>? argv)
    {
        var args = argv is { Count: > 0 } ? string.Join(' ', argv) : "";
        // JavaScript gets a line that drops the "-" (stdin) argument from process.argv.
        static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
        return language switch
        {
            "python" => $"printf '%s' '{B64(code)}' | base64 -d | python3 -u - {args}",
            "javascript" => $"printf '%s' '{B64("process.argv.splice(1, 1);\n" + code)}' | base64 -d | node - {args}",
            _ => null,
        };
    }

    private static async Task<IResult> RunAsync(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<CodeRunRequest>(http);
        if (request.Code is null || string.IsNullOrEmpty(request.Language))
            throw new ToolboxException(400, "INVALID_REQUEST_BODY", "invalid request body: code and language are required");
        var line = ShellLine(request.Language, request.Code, request.Argv)
            ?? throw ToolboxException.BadRequest($"unsupported language: {request.Language}");
        if (request.Timeout < 0) throw new ToolboxException(400, "INVALID_REQUEST_BODY", "invalid request body: timeout must not be negative");
        var sandbox = http.Sandbox();
        var env = ToolboxEndpoints.CommandEnvironment(sandbox, request.Envs);

        SandboxProcess process;
        try
        {
            process = sandbox.Runtime.Start(SandboxPaths.WorkDir, env, ProcessEndpoints.CombinedShellArgs);
        }
        catch (Exception e) when (e is IOException or Win32Exception or InvalidOperationException or UnauthorizedAccessException)
        {
            return Results.Json(new CodeRunResponse(-1, e.Message), JsonDefaults.Options);
        }

        using (process)
        {
            var output = new OutputCollector(process);
            _ = ProcessEndpoints.WriteAndCloseAsync(process.StandardInput, line + "\n");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            if (request.Timeout > 0) timeout.CancelAfter(TimeSpan.FromSeconds(request.Timeout.Value));
            try
            {
                await process.Exited.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                if (http.RequestAborted.IsCancellationRequested) return Results.Empty;
                throw new ToolboxException(408, "REQUEST_TIMEOUT", "command execution timeout");
            }
            await process.WaitForOutputAsync(OutputGrace);
            return Results.Json(new CodeRunResponse(process.ExitCode, output.Text()), JsonDefaults.Options);
        }
    }
}
