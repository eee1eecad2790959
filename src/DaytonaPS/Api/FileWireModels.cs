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
