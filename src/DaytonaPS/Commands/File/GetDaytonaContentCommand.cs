using System.IO;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>
/// Get-DaytonaContent: the content of sandbox files (GET /files/download, streamed), like
/// Get-Content: lines by default, one string with -Raw, one byte[] with -AsByteStream.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DaytonaContent", DefaultParameterSetName = IdSet)]
[OutputType(typeof(string), typeof(byte[]))]
public sealed class GetDaytonaContentCommand : DaytonaFileCmdlet
{
    /// <summary>Sandbox files.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = System.Array.Empty<string>();

    /// <summary>One string with the whole content, newlines kept.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>How the bytes are decoded (default UTF-8; a byte order mark wins).</summary>
    [Parameter]
    [EncodingArgument]
    public Encoding? Encoding { get; set; }

    /// <summary>The bytes, as one byte[], undecoded.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    private protected override object? CaptureRecordState() => Path;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        foreach (var path in (string[])state!)
        {
            await ForPathAsync(pipe, path, async () =>
            {
                using var response = await files.OpenDownloadAsync(path, ct).ConfigureAwait(false);
                using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                if (AsByteStream)
                {
                    var buffer = new MemoryStream();
                    await body.CopyToAsync(buffer, 81920, ct).ConfigureAwait(false);
                    pipe.WriteObject(buffer.ToArray());
                    return;
                }
                using var reader = new StreamReader(body, Encoding ?? new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
                if (Raw)
                {
                    pipe.WriteObject(await reader.ReadToEndAsync().ConfigureAwait(false));
                    return;
                }
                string? line;
                while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) is not null)
                {
                    ct.ThrowIfCancellationRequested();
                    pipe.WriteObject(line);
                }
            }).ConfigureAwait(false);
        }
    }
}
