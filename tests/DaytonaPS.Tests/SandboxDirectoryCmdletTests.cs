using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Get-DaytonaSandboxDirectory through the built module against the emulator.</summary>
public sealed class SandboxDirectoryCmdletTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public SandboxDirectoryCmdletTests(EmulatorFixture emu) => _emu = emu;

    [Fact]
    public void HomeAndWorkFolders_ByObjectAndByName_OneUnknownIsItsOwnError()
    {
        var name = "dirs-" + Guid.NewGuid().ToString("N")[..8];
        var r = ModuleHost.Run(_emu.Connect() + $$"""
            $sb = New-DaytonaSandbox -Name {{name}}
            $byObject = $sb | Get-DaytonaSandboxDirectory
            $byName = 'no-such-sandbox-y', '{{name}}' | Get-DaytonaSandboxDirectory
            # The reported work folder is where a relative command starts.
            $pwd = (Invoke-DaytonaCommand -Id {{name}} 'pwd').Output.Trim()
            [pscustomobject]@{
                Type = $byObject.GetType().FullName
                Home = $byObject.HomeDirectory
                Work = $byObject.WorkDirectory
                Name = $byObject.SandboxName
                Id = $byObject.SandboxId -eq $sb.Id
                ByName = @($byName).Count
                Pwd = $pwd
                Table = ($byObject | Format-Table | Out-String -Width 200)
            }
            """);
        Assert.Equal("DaytonaNotFound", Assert.Single(r.ErrorIds));
        var o = Assert.Single(r.Output);
        Assert.Equal("DaytonaPS.SandboxDirectory", o.Properties["Type"].Value);
        Assert.Equal("/home/daytona", o.Properties["Home"].Value);
        Assert.Equal("/home/daytona", o.Properties["Work"].Value);
        Assert.Equal(o.Properties["Work"].Value, o.Properties["Pwd"].Value);
        Assert.Equal(name, o.Properties["Name"].Value);
        Assert.Equal(true, o.Properties["Id"].Value);
        Assert.Equal(1, o.Properties["ByName"].Value);
        var table = o.Properties["Table"].Value.ToString()!;
        Assert.Contains("HomeDirectory", table);
        Assert.Contains(name, table);
    }
}
