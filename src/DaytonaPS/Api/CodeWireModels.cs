using System.Collections.Generic;

namespace DaytonaPS.Api;

/// <summary>POST /process/code-run.</summary>
internal sealed class CodeRunRequestDto
{
    public string Code { get; set; } = string.Empty;
    public string Language { get; set; } = string.Empty;
    public List<string>? Argv { get; set; }
    public Dictionary<string, string>? Envs { get; set; }
    public int? Timeout { get; set; }
}

internal sealed class CodeRunResponseDto
{
    public int? ExitCode { get; set; }
    public string? Result { get; set; }
}

/// <summary>POST /process/interpreter/context.</summary>
internal sealed class CreateCodeContextDto
{
    public string? Cwd { get; set; }
    public string? Language { get; set; }
}

/// <summary>An InterpreterContext of the toolbox API.</summary>
internal sealed class CodeContextDto
{
    public string Id { get; set; } = string.Empty;
    public string? Cwd { get; set; }
    public string? CreatedAt { get; set; }
    public bool Active { get; set; }
    public string? Language { get; set; }
}

internal sealed class CodeContextListDto
{
    public List<CodeContextDto>? Contexts { get; set; }
}

/// <summary>The first (and only) message of the execute WebSocket.</summary>
internal sealed class CodeExecuteDto
{
    public string Code { get; set; } = string.Empty;
    public string? ContextId { get; set; }
    public int? Timeout { get; set; }
    public Dictionary<string, string>? Envs { get; set; }
}

/// <summary>A chunk the execute WebSocket streams: stdout, stderr, error or control.</summary>
internal sealed class CodeChunkDto
{
    public string? Type { get; set; }
    public string? Text { get; set; }
    public string? Name { get; set; }
    public string? Value { get; set; }
    public string? Traceback { get; set; }
}
