using System.Collections.Generic;

namespace DaytonaPS.Api;

internal sealed class CreateSessionDto
{
    public string SessionId { get; set; } = string.Empty;
}

internal sealed class SessionExecuteDto
{
    public string Command { get; set; } = string.Empty;
    public bool? RunAsync { get; set; }
    /// <summary>Input sent later (Send-DaytonaCommandInput) is not echoed into the command's log.</summary>
    public bool? SuppressInputEcho { get; set; }
}

/// <summary>Body of POST /process/session/{id}/command/{cmdId}/input.</summary>
internal sealed class SessionSendInputDto
{
    public string Data { get; set; } = string.Empty;
}

/// <summary>Reply of POST /process/session/{id}/exec: sync {cmdId, output, stdout, stderr, exitCode}; async {cmdId}.</summary>
internal sealed class SessionExecuteResponseDto
{
    public string? CmdId { get; set; }
    public string? Output { get; set; }
    public string? Stdout { get; set; }
    public string? Stderr { get; set; }
    public int? ExitCode { get; set; }
}

internal sealed class SessionCommandDto
{
    public string Id { get; set; } = string.Empty;
    public string? Command { get; set; }
    public int? ExitCode { get; set; }
}

internal sealed class SessionDto
{
    public string SessionId { get; set; } = string.Empty;
    public List<SessionCommandDto>? Commands { get; set; }
}

internal sealed class ToolboxUrlDto
{
    public string? Url { get; set; }
}

/// <summary>GET /user-home-dir and GET /work-dir: {dir}.</summary>
internal sealed class ToolboxDirDto
{
    public string? Dir { get; set; }
}

/// <summary>GET /system/metrics (toolbox): byte fields in bytes, cpuUsedPct of the cpu limit.</summary>
internal sealed class SystemMetricsDto
{
    public int CpuCount { get; set; }
    public double CpuUsedPct { get; set; }
    public long MemTotal { get; set; }
    public long MemUsed { get; set; }
    public long MemCache { get; set; }
    public long DiskTotal { get; set; }
    public long DiskUsed { get; set; }
    public long DiskFree { get; set; }
    public string? Timestamp { get; set; }
    public long TimestampUnix { get; set; }
}
