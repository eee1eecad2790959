using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands;

/// <summary>
/// What async work sees of its cmdlet: every Write* here is queued and performed on the pipeline
/// thread by <see cref="DaytonaCmdlet"/>, so it is safe from any thread. Also the log sink of the
/// API clients (verbose, debug, warning, progress).
/// </summary>
internal sealed class CmdletPipe : IDaytonaLog
{
    private readonly DaytonaCmdlet _cmdlet;

    internal CmdletPipe(DaytonaCmdlet cmdlet) => _cmdlet = cmdlet;

    /// <summary>Cancelled when the pipeline stops (Ctrl+C, Select-Object -First, ...).</summary>
    public CancellationToken CancellationToken => _cmdlet.CancelToken;

    public void WriteObject(object? value) => _cmdlet.Post(c => c.WriteObject(value));
    public void WriteObject(object? value, bool enumerateCollection) => _cmdlet.Post(c => c.WriteObject(value, enumerateCollection));
    public void WriteError(ErrorRecord record) => _cmdlet.Post(c => c.WriteError(record));
    public void WriteVerbose(string message) => _cmdlet.Post(c => c.WriteVerbose(message));
    public void WriteDebug(string message) => _cmdlet.Post(c => c.WriteDebug(message));
    public void WriteWarning(string message) => _cmdlet.Post(c => c.WriteWarning(message));
    public void WriteProgress(ProgressRecord record) => _cmdlet.Post(c => c.WriteProgress(record));
    public void WriteInformation(object data, string[] tags) => _cmdlet.Post(c => c.WriteInformation(data, tags));

    /// <summary>Reports a failure for one item through the error funnel (non-terminating unless fatal).</summary>
    public void WriteFailure(Exception exception, object? target) => _cmdlet.Post(c => c.HandleFailure(exception, target));

    /// <summary>ShouldProcess, asked on the pipeline thread (may prompt); completes with the answer.</summary>
    public Task<bool> ShouldProcessAsync(string target, string action) =>
        InvokeOnPipelineThreadAsync(c => c.ShouldProcessWithForce(target, action));

    /// <summary>Runs <paramref name="func"/> on the pipeline thread (e.g. to use SessionState) and returns its result.</summary>
    public Task<T> InvokeOnPipelineThreadAsync<T>(Func<DaytonaCmdlet, T> func)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = CancellationToken.Register(() => tcs.TrySetCanceled());
        _cmdlet.Post(c =>
        {
            registration.Dispose();
            if (tcs.Task.IsCompleted) return;
            try { tcs.TrySetResult(func(c)); }
            catch (PipelineStoppedException) { tcs.TrySetCanceled(); throw; }
            catch (Exception ex) { tcs.TrySetException(ex); }
        });
        return tcs.Task;
    }
}
