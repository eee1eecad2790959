using System.Collections.Generic;

namespace DaytonaPS.Api;

/// <summary>The daemon's FileInfo (GET /files, /files/info).</summary>
internal sealed class FileInfoDto
{
    public string? Name { get; set; }
    public string? Path { get; set; }
    public bool IsDir { get; set; }
    public long Size { get; set; }
    public string? Mode { get; set; }
    public string? Permissions { get; set; }
    public string? Owner { get; set; }
    public string? Group { get; set; }
    public string? ModifiedAt { get; set; }
}

/// <summary>One line of GET /files/find (the daemon's Match).</summary>
internal sealed class FileMatchDto
{
    public string? File { get; set; }
    public int Line { get; set; }
    public string? Content { get; set; }
}

/// <summary>GET /files/search (SearchFilesResponse).</summary>
internal sealed class FileSearchDto
{
    public List<string>? Files { get; set; }
}

/// <summary>POST /files/replace (ReplaceRequest).</summary>
internal sealed class FileReplaceDto
{
    public List<string> Files { get; set; } = new();
    public string Pattern { get; set; } = string.Empty;
    public string NewValue { get; set; } = string.Empty;
}

/// <summary>One file of the reply of POST /files/replace (ReplaceResult).</summary>
internal sealed class FileReplaceResultDto
{
    public string? File { get; set; }
    public bool Success { get; set; }
    public string? Error { get; set; }
}

/// <summary>POST /files/bulk-download (FilesDownloadRequest).</summary>
internal sealed class BulkDownloadDto
{
    public List<string> Paths { get; set; } = new();
}

/// <summary>The JSON of an "error" part of a bulk-download reply (the daemon's error body).</summary>
internal sealed class BulkErrorDto
{
    public int? StatusCode { get; set; }
    public string? Message { get; set; }
    public string? Code { get; set; }
}
