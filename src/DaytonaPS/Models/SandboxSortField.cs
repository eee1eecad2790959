namespace DaytonaPS;

/// <summary>What Get-DaytonaSandbox -SortBy asks Daytona to sort the list by (its <c>sort</c> query).</summary>
public enum SandboxSortField
{
    /// <summary>The sandbox name (<c>name</c>).</summary>
    Name,

    /// <summary>CPU cores (<c>cpu</c>).</summary>
    Cpu,

    /// <summary>Memory in GiB (<c>memoryGib</c>).</summary>
    Memory,

    /// <summary>Disk in GiB (<c>diskGib</c>).</summary>
    Disk,

    /// <summary>The last activity (<c>lastActivityAt</c>, Daytona's default).</summary>
    LastActivityAt,

    /// <summary>Creation time (<c>createdAt</c>).</summary>
    CreatedAt,
}
