using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Commands;

/// <summary>
/// The cancellable base of every DaytonaPS cmdlet, and its async bridge.
/// <list type="bullet">
/// <item>A CancellationTokenSource cancelled in StopProcessing: every HTTP call and wait takes
/// <see cref="CancelToken"/>, and the pipeline thread stops pumping at once, so Ctrl+C returns
/// within a second.</item>
/// <item><see cref="Run"/>: runs async work on the thread pool while the pipeline thread drains
/// what the work posts (output, errors, verbose, progress, ShouldProcess questions).</item>
/// <item><see cref="Enqueue"/>/<see cref="CompleteQueued"/>: per-record work that runs
/// concurrently (bounded), writing each result as it completes.</item>
/// <item><see cref="HandleFailure"/>: the one exception funnel (see <see cref="ErrorMapper"/>).</item>
/// </list>
/// Never call Write* from async work directly: use the <see cref="CmdletPipe"/> passed to it.
/// </summary>
public abstract class DaytonaCmdlet : PSCmdlet, IDisposable
{
    private static readonly Action<DaytonaCmdlet> Wake = _ => { };
    private static readonly Action<DaytonaCmdlet> ItemDone = c => c.WriteBulkProgress(final: false);

    /// <summary>The progress activity of a bulk pipeline (per-sandbox waits number theirs from 1 up).</summary>
    private const int BulkActivityId = 0x0D490000;
    private static readonly TimeSpan BulkProgressInterval = TimeSpan.FromMilliseconds(250);
    private int _bulkStarted;
    private int _bulkDone;
    private int? _bulkTotal;
    private DateTime _bulkLastWrite = DateTime.MinValue;
    private bool _bulkShown;
    private readonly CancellationTokenSource _cts = new();
    private readonly BlockingCollection<Action<DaytonaCmdlet>> _queue = new();
    private readonly List<Task> _pending = new();
    private SemaphoreSlim? _throttle;
    private CmdletPipe? _pipe;
    private bool _disposed;

    internal CancellationToken CancelToken => _cts.Token;

    internal CmdletPipe Pipe => _pipe ??= new CmdletPipe(this);

    /// <summary>Set by cmdlets that have a -Force switch; makes ShouldProcess skip the confirmation (not -WhatIf).</summary>
    private protected virtual bool ForceConfirmation => false;

    protected override void StopProcessing()
    {
        try { _cts.Cancel(); } catch (ObjectDisposedException) { }
    }

    internal void Post(Action<DaytonaCmdlet> action)
    {
        try { _queue.Add(action); } catch (InvalidOperationException) { }
    }

    /// <summary>Runs async work and pumps its messages until it ends. Failures go through the funnel.</summary>
    private protected void Run(Func<CmdletPipe, CancellationToken, Task> work, object? target = null)
    {
        var task = Task.Run(() => work(Pipe, CancelToken), CancelToken);
        PumpUntil(task);
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            HandleFailure(ex, target);
        }
    }

    /// <summary>Runs async work that returns a value (e.g. in BeginProcessing) and pumps until it ends. Failures are rethrown.</summary>
    private protected T RunFor<T>(Func<CmdletPipe, CancellationToken, Task<T>> work)
    {
        var task = Task.Run(() => work(Pipe, CancelToken), CancelToken);
        PumpUntil(task);
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Starts per-record work concurrently with earlier records, at most <paramref name="throttleLimit"/>
    /// at once (blocking the pipeline, while pumping, when full). Call <see cref="CompleteQueued"/> in EndProcessing.
    /// </summary>
    private protected void Enqueue(Func<CmdletPipe, CancellationToken, Task> work, object? target, int throttleLimit)
    {
        _throttle ??= new SemaphoreSlim(Math.Max(1, throttleLimit));
        // Full: pump until a slot frees. Every release posts a wake-up, so a blocking Take never
        // misses one (polling with a timeout left each freed slot idle until the timeout).
        while (!_throttle.Wait(0))
        {
            Action<DaytonaCmdlet> action;
            try
            {
                action = _queue.Take(CancelToken);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            action(this);
        }
        var throttle = _throttle;
        var pipe = Pipe;
        var token = CancelToken;
        // Started here rather than with Task.Run: the work runs on this thread up to its first real wait
        // (usually the HTTP send), then on the thread pool. That saves a thread hop per record, a
        // measurable part of a short command on a busy machine (bench/results.md, Invoke-DaytonaCommand).
        // Work must not block before its first await; none does (ShouldProcess questions are posted).
        Func<Task> body = async () =>
        {
            try
            {
                await work(pipe, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                pipe.WriteFailure(ex, target);
            }
            finally
            {
                throttle.Release();
                Interlocked.Increment(ref _bulkDone);
                Post(ItemDone);
            }
        };
        _bulkStarted++;
        var task = body();
        lock (_pending) _pending.Add(task);
        PumpAvailable();
    }

    /// <summary>Waits (pumping) for everything started with <see cref="Enqueue"/>.</summary>
    private protected void CompleteQueued()
    {
        Task all;
        lock (_pending)
        {
            all = Task.WhenAll(_pending.ToArray());
            _pending.Clear();
        }
        PumpUntil(all);
        WriteBulkProgress(final: true);
    }

    /// <summary>
    /// Declares how many items the per-record work will have in all, when that is known before it
    /// starts (every item came in one parameter value, not through the pipeline): progress then says
    /// "n of N done" with a percentage, else "n done".
    /// </summary>
    private protected void SetBulkTotal(int total) => _bulkTotal = total;

    /// <summary>
    /// Progress of work over many items (Enqueue): at most every 250 ms, on the pipeline thread, and
    /// only once there are two items or more, so a single sandbox shows nothing extra.
    /// </summary>
    private void WriteBulkProgress(bool final)
    {
        var done = Volatile.Read(ref _bulkDone);
        if (final)
        {
            if (_bulkShown) WriteProgress(new ProgressRecord(BulkActivityId, MyInvocation.MyCommand.Name, "done") { RecordType = ProgressRecordType.Completed });
            _bulkShown = false;
            return;
        }
        if ((_bulkTotal ?? _bulkStarted) < 2) return;
        var now = DateTime.UtcNow;
        if (now - _bulkLastWrite < BulkProgressInterval) return;
        _bulkLastWrite = now;
        var record = _bulkTotal is int total
            ? new ProgressRecord(BulkActivityId, MyInvocation.MyCommand.Name, $"{done} of {total} done") { PercentComplete = Math.Min(100, 100 * done / Math.Max(1, total)) }
            : new ProgressRecord(BulkActivityId, MyInvocation.MyCommand.Name, $"{done} done");
        WriteProgress(record);
        _bulkShown = true;
    }

    /// <summary>Runs whatever work has posted so far, without blocking.</summary>
    private protected void PumpAvailable()
    {
        while (_queue.TryTake(out var action)) action(this);
    }

    private void PumpUntil(Task task)
    {
        task.ContinueWith(_ => Post(Wake), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (true)
        {
            Action<DaytonaCmdlet> action;
            try
            {
                action = _queue.Take(CancelToken);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            action(this);
            if (task.IsCompleted && _queue.Count == 0) return;
        }
    }

    /// <summary>
    /// The exception funnel. PipelineStoppedException and cancellation stop the pipeline; Daytona
    /// failures become ErrorRecords (terminating when nothing else can work, see
    /// <see cref="ErrorMapper.IsTerminating"/>); anything else is a bug and propagates unchanged.
    /// Must run on the pipeline thread.
    /// </summary>
    internal void HandleFailure(Exception exception, object? target)
    {
        var ex = exception;
        while (ex is AggregateException agg && agg.InnerExceptions.Count == 1) ex = agg.InnerException!;
        if (ex is PipelineStoppedException) ExceptionDispatchInfo.Capture(ex).Throw();
        if (ex is OperationCanceledException && CancelToken.IsCancellationRequested) throw new PipelineStoppedException();
        if (!ErrorMapper.CanMap(ex)) ExceptionDispatchInfo.Capture(ex).Throw();
        var record = ErrorMapper.ToErrorRecord(ex, target);
        if (ErrorMapper.IsTerminating(ex))
        {
            ThrowTerminatingError(record);
        }
        WriteError(record);
    }

    /// <summary>
    /// Ends the command with a DaytonaInvalidArgument (bad or conflicting parameters: nothing can work),
    /// built by the error funnel like every other error.
    /// </summary>
    private protected void ThrowInvalidArgument(string message, string? recommendedAction = null, object? target = null) =>
        ThrowTerminatingError(ErrorMapper.ToErrorRecord(
            new DaytonaException(ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, message, target, terminating: true, recommendedAction: recommendedAction),
            target));

    /// <summary>
    /// ShouldProcess that explains itself when it cannot ask. In a host without a console (pwsh
    /// -NonInteractive, a pipeline agent, a scheduled task) PowerShell's own prompt fails with a
    /// generic "PowerShell is in NonInteractive mode"; this ends the command instead with
    /// DaytonaConfirmationRequired, which says how to confirm in advance. Nothing has been changed at
    /// that point, and the error is terminating, so no later item of a pipeline is half-done either.
    /// Hides Cmdlet.ShouldProcess so that every DaytonaPS cmdlet has it without remembering to.
    /// </summary>
    public new bool ShouldProcess(string target, string action)
    {
        try
        {
            return base.ShouldProcess(target, action);
        }
        catch (PSInvalidOperationException ex)
        {
            var name = MyInvocation.MyCommand.Name;
            var hasForce = MyInvocation.MyCommand.Parameters.ContainsKey("Force");
            ThrowTerminatingError(ErrorMapper.ToErrorRecord(new DaytonaException(
                ErrorIds.ConfirmationRequired, ErrorCategory.InvalidOperation,
                $"{name} asks for confirmation before \"{action}\" on {target}, and this PowerShell cannot ask ({ex.Message.TrimEnd('.')}). Nothing was changed.",
                target, terminating: true,
                recommendedAction: hasForce
                    ? "Confirm in advance with -Force (or -Confirm:$false), or use -WhatIf to see what would change."
                    : "Confirm in advance with -Confirm:$false, or use -WhatIf to see what would change."), target));
            return false;
        }
    }

    /// <summary>
    /// WriteError that also reports the error to an Azure DevOps agent (see <see cref="AzurePipelines.ErrorIssue"/>)
    /// unless the caller silenced errors. Hides Cmdlet.WriteError so every DaytonaPS error is covered.
    /// </summary>
    public new void WriteError(ErrorRecord errorRecord)
    {
        ReportToAgent(errorRecord);
        base.WriteError(errorRecord);
    }

    /// <summary>ThrowTerminatingError that also reports the error to an Azure DevOps agent, as <see cref="WriteError"/>.</summary>
    public new void ThrowTerminatingError(ErrorRecord errorRecord)
    {
        ReportToAgent(errorRecord);
        base.ThrowTerminatingError(errorRecord);
    }

    private void ReportToAgent(ErrorRecord record)
    {
        if (!AzurePipelines.Detected || ErrorsSilenced()) return;
        try
        {
            Host?.UI?.WriteLine(AzurePipelines.ErrorIssue(record, MyInvocation.MyCommand.Name));
        }
        catch (NotImplementedException)
        {
            // a host without UI output: the error record itself still goes out
        }
        catch (System.Management.Automation.Host.HostException)
        {
        }
    }

    /// <summary>-ErrorAction (or $ErrorActionPreference) SilentlyContinue or Ignore: the caller handles errors itself.</summary>
    private bool ErrorsSilenced()
    {
        var value = MyInvocation.BoundParameters.TryGetValue("ErrorAction", out var bound)
            ? bound
            : SessionState.PSVariable.GetValue("ErrorActionPreference", ActionPreference.Continue);
        return LanguagePrimitives.TryConvertTo(value, System.Globalization.CultureInfo.InvariantCulture, out ActionPreference preference)
            && preference is ActionPreference.SilentlyContinue or ActionPreference.Ignore;
    }

    /// <summary>ShouldProcess that honours -Force (no prompt) but still honours -WhatIf.</summary>
    internal bool ShouldProcessWithForce(string target, string action)
    {
        if (!ForceConfirmation) return ShouldProcess(target, action);
        if (IsWhatIf()) return ShouldProcess(target, action);
        WriteVerbose($"Performing the operation \"{action}\" on target \"{target}\" (-Force).");
        return true;
    }

    private bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w)) return w is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(w);
        return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference", false));
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (disposing)
        {
            try { _cts.Cancel(); } catch (ObjectDisposedException) { }
            _cts.Dispose();
            _throttle?.Dispose();
        }
    }
}
