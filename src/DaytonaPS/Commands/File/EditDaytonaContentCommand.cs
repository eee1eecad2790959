using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>
/// Edit-DaytonaContent: replaces every occurrence of a text in sandbox files with another
/// (POST /files/replace: plain text, case-sensitive, in place). Each file is confirmed on its own
/// (-WhatIf changes nothing); a file that cannot be changed is that file's error.
/// </summary>
[Cmdlet(VerbsData.Edit, "DaytonaContent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.FileInfo))]
public sealed class EditDaytonaContentCommand : DaytonaFileCmdlet
{
    /// <summary>Sandbox files to change.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>The text to replace (plain text, case-sensitive).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Pattern { get; set; } = string.Empty;

    /// <summary>What replaces it (may be empty).</summary>
    [Parameter(Mandatory = true, Position = 2)]
    [AllowEmptyString]
    public string Replacement { get; set; } = string.Empty;

    /// <summary>Return each changed file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private protected override object? CaptureRecordState() => Path;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        var confirmed = new List<string>();
        foreach (var path in (string[])state!)
        {
            if (await pipe.ShouldProcessAsync(InSandbox(path, display), $"Replace '{Pattern}' with '{Replacement}'").ConfigureAwait(false)) confirmed.Add(path);
        }
        if (confirmed.Count == 0) return;
        List<FileReplaceResultDto> results;
        try
        {
            results = await files.ReplaceAsync(confirmed, Pattern, Replacement, ct).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex)
        {
            foreach (var path in confirmed) pipe.WriteFailure(ex, path);
            return;
        }
        foreach (var result in results)
        {
            var path = result.File ?? string.Empty;
            if (!result.Success)
            {
                pipe.WriteFailure(Failure(path, display, result.Error), path);
                continue;
            }
            pipe.WriteVerbose($"Replaced '{Pattern}' in {InSandbox(path, display)}.");
            if (PassThru) await ForPathAsync(pipe, path, async () => pipe.WriteObject(new DaytonaPS.FileInfo(files.SandboxId, await files.GetInfoAsync(path, ct).ConfigureAwait(false)))).ConfigureAwait(false);
        }
    }

    /// <summary>The daemon reports a file's failure as Go's error text (e.g. "open x: no such file or directory").</summary>
    private static DaytonaException Failure(string path, string display, string? error)
    {
        var text = error ?? "unknown error";
        var message = $"Cannot edit {InSandbox(path, display)}: {text}";
        if (Has(text, "no such file") || Has(text, "not found"))
            return new DaytonaException(ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, message, path);
        if (Has(text, "denied") || Has(text, "read-only"))
            return new DaytonaException(ErrorIds.AccessDenied, ErrorCategory.PermissionDenied, message, path);
        return new DaytonaException(ErrorIds.ApiError, ErrorCategory.WriteError, message, path);
    }

    private static bool Has(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;
}
