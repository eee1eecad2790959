using System.Globalization;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>
/// Reaches a TCP port on a sandbox's own loopback from the emulator, and lists the ports a sandbox
/// listens on, both by running a small program INSIDE the sandbox, exactly as a command is run.
/// </summary>
/// <remarks>
/// Why a process per connection whose stdin/stdout are the connection (and not, e.g., a relay
/// listening on a unix socket, or the emulator entering the network namespace itself):
/// - It needs no privilege and no new mechanism: it is the same <see cref="ISandboxContainer.Exec"/>
///   every command uses, so it works the same for a root emulator (which never acts as root on a
///   sandbox) and an unprivileged one, under bwrap and unshare, and on any later backend that can
///   exec (docker exec gives the same three pipes). setns() into a sandbox's network namespace would
///   need CAP_SYS_ADMIN over the host's user namespace, which an unprivileged emulator lacks.
/// - Nothing is exposed on the host: the port is never bound outside the sandbox's network
///   namespace, and there is no host path the sandbox could swap for a symlink to another socket
///   (a unix socket in a directory the sandbox can write would let it redirect a root emulator's
///   connect() to, say, a host daemon's socket).
/// - The connection runs with the sandbox user's rights (no capabilities), inside its namespaces:
///   it can reach only what the sandbox itself can, its own loopback.
/// The price is one process start per TCP connection (HTTP keep-alive reuses it); previews are a
/// development convenience, not a load path.
/// </remarks>
public static class PortRelay
{
    /// <summary>
    /// bash RELAY PORT HOST: connects to HOST:PORT (localhost by default: IPv4 and IPv6, as Daytona's
    /// daemon dials "localhost"; the SSH gateway's forwards may name 127.0.0.1 or ::1), prints one byte once connected, then copies stdin to the socket in the
    /// background and the socket to stdout in the foreground (exec, so that only the copier holds
    /// stdout and the emulator sees EOF as soon as the service closes). The background copier's
    /// stdin is named explicitly: bash would give an async command /dev/null otherwise.
    /// </summary>
    private const string RelayScript = "exec 3<>\"/dev/tcp/$2/$1\" 2>/dev/null || exit 1; printf c; cat <&0 >&3 & exec cat <&3";

    private static readonly KeyValuePair<string, string>[] Environment = [new("PATH", "/usr/bin:/bin"), new("LANG", "C.UTF-8")];

    /// <summary>The loopback names a relay may dial: the sandbox's own loopback, nothing else.</summary>
    public static bool IsLoopbackName(string host) => host is "localhost" or "127.0.0.1" or "::1";

    /// <summary>A duplex stream to host:port inside the sandbox (host: one of <see cref="IsLoopbackName"/>).</summary>
    /// <exception cref="IOException">Nothing listens there (or the sandbox runs nothing).</exception>
    public static async Task<Stream> ConnectAsync(ISandboxContainer container, int port, CancellationToken cancellationToken, string host = "localhost")
    {
        if (!container.RunsCommands) throw new IOException("this emulator runs no sandbox processes (--runtime none)");
        if (!IsLoopbackName(host)) throw new ArgumentException("only the sandbox's own loopback can be reached", nameof(host));
        var exec = container.Exec(new ExecSpec("/", Environment, ["/bin/bash", "-c", RelayScript, "bash", port.ToString(CultureInfo.InvariantCulture), host]));
        var stream = new RelayStream(exec);
        try
        {
            var first = new byte[1];
            var read = await exec.StandardOutput.ReadAsync(first, cancellationToken);
            if (read != 1 || first[0] != (byte)'c') throw new IOException($"connection refused: nothing listens on port {port} in the sandbox");
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>The TCP ports the sandbox listens on (its /proc/net/tcp and tcp6), ascending.</summary>
    public static async Task<IReadOnlyList<int>> ListeningPortsAsync(ISandboxContainer container, CancellationToken cancellationToken)
    {
        if (!container.RunsCommands) return [];
        using var exec = container.Exec(new ExecSpec("/", Environment, ["/bin/cat", "/proc/net/tcp", "/proc/net/tcp6"]));
        exec.StandardInput.Close();
        var drain = exec.StandardError.CopyToAsync(Stream.Null, cancellationToken);
        string text;
        using (var reader = new StreamReader(exec.StandardOutput)) text = await reader.ReadToEndAsync(cancellationToken);
        await Task.WhenAll(drain, exec.Exited.WaitAsync(cancellationToken));
        return ParseListening(text);
    }

    /// <summary>
    /// Lines of /proc/net/tcp{,6}: "sl local_address rem_address st ..." with local_address
    /// ADDR:PORT in hex and st 0A for LISTEN.
    /// </summary>
    internal static IReadOnlyList<int> ParseListening(string procNetTcp)
    {
        var ports = new SortedSet<int>();
        foreach (var line in procNetTcp.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4 || fields[3] != "0A") continue;
            var colon = fields[1].LastIndexOf(':');
            if (colon < 0) continue;
            if (int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port)) ports.Add(port);
        }
        return [.. ports];
    }

    /// <summary>The relay's stdout to read, its stdin to write; disposing ends it.</summary>
    private sealed class RelayStream : Stream
    {
        private readonly IExecHandle exec;
        private int _disposed;

        public RelayStream(IExecHandle exec)
        {
            this.exec = exec;
            _ = exec.StandardError.CopyToAsync(Stream.Null);
        }

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => exec.StandardOutput.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => exec.StandardOutput.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => exec.StandardOutput.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => exec.StandardInput.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => exec.StandardInput.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => exec.StandardInput.WriteAsync(buffer, offset, count, cancellationToken);
        public override void Flush() => exec.StandardInput.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => exec.StandardInput.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                // EOF on stdin ends the copier to the service; the kill ends the copier from it.
                try { exec.StandardInput.Close(); } catch (IOException) { }
                exec.Kill();
                exec.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
