using System.ComponentModel;
using System.Text;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>POST /process/execute: one command through the user's shell, output combined.</summary>
public static class ProcessEndpoints
{
    /// <summary>
    /// The daemon pipes the command into the user's shell on stdin. The outer bash only joins
    /// stderr to stdout (so `result` keeps their order) and then becomes the shell that reads it.
    /// </summary>
    internal static readonly string[] CombinedShellArgs = ["-c", "exec 2>&1; exec -a bash /bin/bash"];

    /// <summary>How long output is awaited after the shell was killed before it could mark the end (see SandboxProcess.WaitForOutputAsync).</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    public sealed record ExecuteRequest(string? Command, string? Cwd, Dictionary<string, string>? Envs, int? Timeout);

    public sealed record ExecuteResponse(int ExitCode, string Result);

    public static void Map(RouteGroupBuilder group)
    {
        group.MapPost("/process/execute", (Func<HttpContext, Task<IResult>>)Execute);
    }

    private static async Task<IResult> Execute(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<ExecuteRequest>(http);
        if (string.IsNullOrWhiteSpace(request.Command)) throw ToolboxException.BadRequest("command is required");
        if (request.Timeout < 0) throw ToolboxException.BadRequest("timeout must not be negative");
        var sandbox = http.Sandbox();

        SandboxProcess process;
        try
        {
            process = sandbox.Runtime.Start(
                string.IsNullOrEmpty(request.Cwd) ? SandboxPaths.WorkDir : request.Cwd,
                ToolboxEndpoints.CommandEnvironment(sandbox, request.Envs),
                CombinedShellArgs);
        }
        catch (Exception e) when (e is IOException or Win32Exception or InvalidOperationException or UnauthorizedAccessException)
        {
            // As the daemon does when the process cannot start: exit code -1 and the error text.
            return Results.Json(new ExecuteResponse(-1, e.Message), JsonDefaults.Options);
        }

        using (process)
        {
            var output = new OutputCollector(process);
            _ = WriteAndCloseAsync(process.StandardInput, request.Command.EndsWith('\n') ? request.Command : request.Command + "\n");

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            // No timeout, or 0, means none: the daemon of server v0.190 applied no default.
            if (request.Timeout > 0) timeout.CancelAfter(TimeSpan.FromSeconds(request.Timeout.Value));
            try
            {
                await process.Exited.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                if (http.RequestAborted.IsCancellationRequested) return Results.Empty;
                throw new ToolboxException(408, "PROCESS_EXECUTION_TIMEOUT", "command execution timeout");
            }
            await process.WaitForOutputAsync(OutputGrace);
            return Results.Json(new ExecuteResponse(process.ExitCode, output.Text()), JsonDefaults.Options);
        }
    }

    /// <summary>Feeds a shell its script; a shell that exits early closes the pipe, which is fine.</summary>
    internal static async Task WriteAndCloseAsync(Stream stdin, string text)
    {
        try
        {
            await stdin.WriteAsync(Encoding.UTF8.GetBytes(text));
            await stdin.FlushAsync();
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
        finally
        {
            try { stdin.Dispose(); } catch (IOException) { }
        }
    }
}

/// <summary>Collects a command's output (stdout and stderr as they arrive); Text() can be taken at any moment.</summary>
internal sealed class OutputCollector
{
    private readonly MemoryStream _buffer = new();

    public OutputCollector(SandboxProcess process) => process.PumpOutputAsync((_, data) =>
    {
        lock (_buffer) _buffer.Write(data);
    });

    public string Text()
    {
        lock (_buffer) return Encoding.UTF8.GetString(_buffer.GetBuffer(), 0, (int)_buffer.Length);
    }
}
