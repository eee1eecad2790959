using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Sandbox;

namespace DaytonaPS.Commands.Files;

/// <summary>
/// Set-DaytonaContent: writes a sandbox file (replacing it), like Set-Content: each value becomes a
/// line ending in "\n" (Linux), -NoNewline joins them as they are, -AsByteStream writes bytes.
/// Values come from the pipeline, so the sandbox is given with -Id or -InputObject.
/// </summary>
[Cmdlet(VerbsCommon.Set, "DaytonaContent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(void))]
public sealed class SetDaytonaContentCommand : DaytonaFileCmdlet
{
    /// <summary>Sandbox ids or names (not from the pipeline by value: the pipeline carries -Value).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("SandboxId")]
    [ValidateNotNullOrEmpty]
    [SandboxIdTransformation]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public override string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>Sandbox files to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>The content: strings (or anything, as text), or bytes with -AsByteStream.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyCollection]
    [AllowEmptyString]
    public object?[] Value { get; set; } = Array.Empty<object?>();

    /// <summary>No newline after each value.</summary>
    [Parameter]
    public SwitchParameter NoNewline { get; set; }

    /// <summary>How text is encoded (default UTF-8 without a byte order mark).</summary>
    [Parameter]
    [EncodingArgument]
    public Encoding? Encoding { get; set; }

    /// <summary>Values are bytes (byte or byte[]), written as they are.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    private readonly List<object?> _values = new();

    // Values arrive one pipeline record at a time; the file is written once, at the end.
    protected override void ProcessRecord() => _values.AddRange(Value ?? Array.Empty<object?>());

    protected override void EndProcessing()
    {
        byte[] bytes;
        try
        {
            bytes = Encode();
        }
        catch (PSInvalidCastException ex)
        {
            ThrowInvalidArgument("-AsByteStream takes bytes (byte or byte[]): " + ex.Message);
            return;
        }
        _bytes = bytes;
        base.ProcessRecord();
        base.EndProcessing();
    }

    private byte[] _bytes = Array.Empty<byte>();

    private byte[] Encode()
    {
        var buffer = new MemoryStream();
        if (AsByteStream)
        {
            foreach (var value in _values)
            {
                var v = value is PSObject p ? p.BaseObject : value;
                if (v is byte[] chunk) buffer.Write(chunk, 0, chunk.Length);
                else if (v is not null) buffer.WriteByte(LanguagePrimitives.ConvertTo<byte>(v));
            }
            return buffer.ToArray();
        }
        var encoding = Encoding ?? new UTF8Encoding(false);
        var preamble = encoding.GetPreamble();
        buffer.Write(preamble, 0, preamble.Length);
        var text = new StringBuilder();
        foreach (var value in _values)
        {
            text.Append(value is null ? string.Empty : LanguagePrimitives.ConvertTo<string>(value));
            if (!NoNewline) text.Append('\n');
        }
        var encoded = encoding.GetBytes(text.ToString());
        buffer.Write(encoded, 0, encoded.Length);
        return buffer.ToArray();
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        var bytes = _bytes;
        foreach (var path in Path)
        {
            if (!await pipe.ShouldProcessAsync(InSandbox(path, display), $"Set content ({TransferProgress.Size(bytes.Length)})").ConfigureAwait(false)) continue;
            await ForPathAsync(pipe, path, async () =>
            {
                var existing = await files.TryGetInfoAsync(path, ct).ConfigureAwait(false);
                if (existing is { IsDir: true })
                    throw new DaytonaException(ErrorIds.PathExists, ErrorCategory.ResourceExists, $"{InSandbox(path, display)} is a folder.", path);
                await files.UploadAsync(new[] { new SandboxFiles.UploadItem(path, () => new MemoryStream(bytes, writable: false), bytes.Length) }, null, ct).ConfigureAwait(false);
                // A replaced file keeps its permissions (the daemon writes a new file, so restore them).
                if (existing is not null && !string.IsNullOrEmpty(existing.Permissions))
                    await files.SetPermissionsAsync(path, existing.Permissions, null, null, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
    }
}
