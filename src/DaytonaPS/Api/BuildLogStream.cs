using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// The build log of a snapshot or a sandbox made from an image: GET {resource}/build-logs-url, then
/// that URL (with ?follow=true to stream it, a chunked text stream that the server ends with the
/// build). Each followed line goes to the verbose stream as "build: ..."; the last lines are kept
/// for an error's message. Used by SnapshotOperations and New-DaytonaSandbox -Image.
/// </summary>
internal sealed class BuildLogStream
{
    private readonly DaytonaApiClient _api;
    private readonly string _resourcePath;
    private readonly string _display;
    private readonly int _keep;
    private readonly Queue<string> _lines = new();

    /// <param name="resourcePath">"/snapshots/{id}" or "/sandbox/{id}" (segments escaped).</param>
    /// <param name="display">What the log belongs to, for verbose notes ("snapshot 3c1e...").</param>
    public BuildLogStream(DaytonaApiClient api, string resourcePath, string display, int keep)
    {
        _api = api;
        _resourcePath = resourcePath;
        _display = display;
        _keep = keep;
    }

    private IDaytonaLog Log => _api.Log;

    public int Count { get { lock (_lines) return _lines.Count; } }

    public IReadOnlyList<string> Tail()
    {
        lock (_lines) return _lines.ToArray();
    }

    private void Add(string line)
    {
        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > _keep) _lines.Dequeue();
        }
    }

    private async Task<Uri> UriAsync(bool follow, CancellationToken ct)
    {
        var reply = await _api.SendJsonAsync<UrlDto>(HttpMethod.Get, _resourcePath + "/build-logs-url", null, RetryMode.Idempotent, ct).ConfigureAwait(false);
        var url = reply?.Url is { Length: > 0 } u ? u : _api.ApiUri(_resourcePath + "/build-logs").ToString();
        return new Uri(url + (follow ? (url.Contains("?") ? "&" : "?") + "follow=true" : string.Empty));
    }

    /// <summary>Follows the log until the server ends it or <paramref name="ct"/> is cancelled. Failures only end the stream.</summary>
    public async Task FollowAsync(CancellationToken ct)
    {
        try
        {
            var uri = await UriAsync(follow: true, ct).ConfigureAwait(false);
            using var response = await _api.SendAsync(HttpMethod.Get, uri, null, RetryMode.Idempotent, ct,
                HttpCompletionOption.ResponseHeadersRead, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using var reader = new StreamReader(body, Encoding.UTF8);
            using var _ = ct.Register(() => reader.Dispose());
            string? line;
            while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                Add(line);
                Log.WriteVerbose("build: " + line);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (!ct.IsCancellationRequested) Log.WriteVerbose($"The build log stream of {_display} ended: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The end of the log: what the stream collected, else one read of the whole log.</summary>
    public async Task<IReadOnlyList<string>> TailAsync(CancellationToken ct)
    {
        if (Count > 0) return Tail();
        try
        {
            var uri = await UriAsync(follow: false, ct).ConfigureAwait(false);
            using var response = await _api.SendAsync(HttpMethod.Get, uri, null, RetryMode.Idempotent, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            foreach (var line in text.Split('\n')) if (line.Length > 0) Add(line.TrimEnd('\r'));
        }
        catch (DaytonaApiException ex)
        {
            Log.WriteVerbose($"No build log for {_display}: {ex.Message}");
        }
        return Tail();
    }

    /// <summary>Lets a follow stream end by itself briefly (the server ends it with the build), then stops it.</summary>
    public static async Task FinishAsync(Task stream, CancellationTokenSource cts)
    {
        if (!stream.IsCompleted) await Task.WhenAny(stream, Task.Delay(2000)).ConfigureAwait(false);
        try { cts.Cancel(); } catch (ObjectDisposedException) { }
        try { await stream.ConfigureAwait(false); } catch (Exception) { }
    }
}
