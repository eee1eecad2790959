using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// Progress of one copy in bytes and files, with an ETA from the average rate so far. Thread-safe
/// (several files move at once); records go out at most every 250 ms. PowerShell hides them when
/// $ProgressPreference is SilentlyContinue.
/// </summary>
internal sealed class TransferProgress
{
    private static int _nextActivityId = 7100;
    private readonly IDaytonaLog _log;
    private readonly int _activityId = Interlocked.Increment(ref _nextActivityId);
    private readonly string _activity;
    private readonly long _totalBytes;
    private readonly int _totalFiles;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly object _gate = new();
    private long _bytes;
    private int _files;
    private long _lastReportMs = -1000;

    public TransferProgress(IDaytonaLog log, string activity, long totalBytes, int totalFiles)
    {
        _log = log;
        _activity = activity;
        _totalBytes = totalBytes;
        _totalFiles = totalFiles;
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    public void AddBytes(long count)
    {
        Interlocked.Add(ref _bytes, count);
        Report(force: false);
    }

    public void FileDone()
    {
        Interlocked.Increment(ref _files);
        Report(force: false);
    }

    public void Complete()
    {
        lock (_gate)
        {
            _log.WriteProgress(new ProgressRecord(_activityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private void Report(bool force)
    {
        var now = _watch.ElapsedMilliseconds;
        lock (_gate)
        {
            if (!force && now - _lastReportMs < 250) return;
            _lastReportMs = now;
        }
        var done = Bytes;
        var status = string.Format(CultureInfo.InvariantCulture, "{0} of {1}, {2} of {3} file(s)",
            Size(done), Size(_totalBytes), Volatile.Read(ref _files), _totalFiles);
        var record = new ProgressRecord(_activityId, _activity, status);
        if (_totalBytes > 0)
        {
            record.PercentComplete = (int)Math.Min(100, done * 100 / _totalBytes);
            var seconds = now / 1000.0;
            if (done > 0 && seconds > 0.5)
            {
                var rate = done / seconds;
                record.SecondsRemaining = (int)Math.Ceiling((_totalBytes - done) / rate);
            }
        }
        _log.WriteProgress(record);
    }

    internal static string Size(long bytes)
    {
        string[] units = { "B", "KiB", "MiB", "GiB", "TiB" };
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return unit == 0
            ? bytes.ToString(CultureInfo.InvariantCulture) + " B"
            : value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}

/// <summary>A read-only stream that counts what is read from it into a <see cref="TransferProgress"/>.</summary>
internal sealed class ProgressStream : Stream
{
    private readonly Stream _inner;
    private readonly TransferProgress? _progress;

    public ProgressStream(Stream inner, TransferProgress? progress)
    {
        _inner = inner;
        _progress = progress;
    }

    public override bool CanRead => true;
    public override bool CanSeek => _inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => _inner.Length;
    public override long Position { get => _inner.Position; set => _inner.Position = value; }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = _inner.Read(buffer, offset, count);
        if (n > 0) _progress?.AddBytes(n);
        return n;
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var n = await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        if (n > 0) _progress?.AddBytes(n);
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
