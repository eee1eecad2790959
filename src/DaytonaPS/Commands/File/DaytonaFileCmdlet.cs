using System;
using System.IO;
using System.Management.Automation;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Command;
using DaytonaPS.Commands.Sandbox;

// The namespace is Files, not File: a namespace named File would hide System.IO.File in every DaytonaPS.Commands.* file.
namespace DaytonaPS.Commands.Files;

/// <summary>
/// Base of the *-DaytonaItem/*-DaytonaContent cmdlets: the toolbox base (sandbox from the pipeline
/// or -Id) plus the file service and per-path failure reporting, so one bad path does not stop the others.
/// </summary>
public abstract class DaytonaFileCmdlet : DaytonaToolboxCmdlet
{
    /// <summary>
    /// Sandbox ids or names. Without the Name alias of the other toolbox cmdlets: a piped
    /// DaytonaPS.FileInfo has a Name (the file's), and only its SandboxId names the sandbox.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("SandboxId")]
    [ValidateNotNullOrEmpty]
    [SandboxIdTransformation]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public override string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>Start the sandbox first (and wait until it runs) if it is not started.</summary>
    [Parameter]
    public SwitchParameter AutoStart { get; set; }

    private protected override bool StartFirst => AutoStart;

    private protected SandboxFiles Files(CmdletPipe pipe, ToolboxClient toolbox) => new(Api(pipe), toolbox);

    /// <summary>Runs the work for one path; its failure is written for that path and the next one goes on.</summary>
    private protected static async Task ForPathAsync(CmdletPipe pipe, object target, Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DaytonaApiException || ex is DaytonaException || ex is IOException || ex is UnauthorizedAccessException)
        {
            pipe.WriteFailure(Reportable(ex, target), target);
        }
    }

    /// <summary>Local I/O failures as DaytonaExceptions (the error funnel maps only those and API failures).</summary>
    private protected static Exception Reportable(Exception ex, object? target) => ex switch
    {
        UnauthorizedAccessException => new DaytonaException(ErrorIds.AccessDenied, ErrorCategory.PermissionDenied, ex.Message, target, innerException: ex),
        FileNotFoundException or DirectoryNotFoundException => new DaytonaException(ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, ex.Message, target, innerException: ex),
        IOException => new DaytonaException(ErrorIds.LocalIOFailed, ErrorCategory.WriteError, ex.Message, target, innerException: ex),
        _ => ex,
    };

    /// <summary>"'/path' in sandbox 'x' (id)", for ShouldProcess and messages.</summary>
    private protected static string InSandbox(string path, string display) => "'" + path + "' in " + display;

    private protected static DaytonaException PathNotFound(string path, string where) => new(
        ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, $"Cannot find '{path}' {where}: it does not exist.", path);

    private protected static DaytonaException Invalid(string message, object? target) => new(
        ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, message, target);
}
