using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Get-DaytonaSandboxMetric through the built module: against the emulator's measured metrics, and against a scripted analytics API.</summary>
public sealed class SandboxMetricCmdletTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public SandboxMetricCmdletTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void FlatPointsFitForMeasureAndCsv_ByNameAndByObject()
    {
        var name = Unique("metric");
        var csv = Path.Combine(Path.GetTempPath(), name + ".csv");
        try
        {
            var r = Run($$"""
                $sb = New-DaytonaSandbox -Name {{name}}
                $null = Get-DaytonaSandboxMetric -Id {{name}}          # the first sample
                Invoke-DaytonaCommand -Id {{name}} 'head -c 3000000 /dev/zero > /tmp/blob' | Out-Null
                Start-Sleep -Milliseconds 1100
                $all = @('{{name}}' | Get-DaytonaSandboxMetric -Verbose)
                $usage = @($sb | Get-DaytonaSandboxMetric -MetricName '*filesystem.usage', 'daytona.sandbox.cpu.limit')
                $usage | Export-Csv -Path '{{csv}}' -NoTypeInformation
                [pscustomobject]@{
                    Types = ($all | ForEach-Object { $_.GetType().FullName } | Sort-Object -Unique) -join ','
                    Metrics = ($all.Metric | Sort-Object -Unique) -join ','
                    Sandboxes = ($all.SandboxName | Sort-Object -Unique) -join ','
                    Ids = ($all.SandboxId | Sort-Object -Unique) -join ','
                    SbId = $sb.Id
                    DiskMax = ($all | Where-Object Metric -eq 'daytona.sandbox.filesystem.usage' | Measure-Object Value -Maximum).Maximum
                    CpuUnit = ($all | Where-Object Metric -eq 'daytona.sandbox.cpu.limit' | Select-Object -First 1).Unit
                    UsageMetrics = ($usage.Metric | Sort-Object -Unique) -join ','
                    Csv = (Import-Csv '{{csv}}' | Select-Object -First 1 | ForEach-Object { ($_.PSObject.Properties.Name) -join ',' })
                    Table = ($usage | Format-Table | Out-String -Width 200)
                    Ordered = (($all.Timestamp | ForEach-Object { $_ }) -join '|') -eq ((($all.Timestamp | Sort-Object) | ForEach-Object { $_ }) -join '|')
                }
                """).AssertNoErrors();
            var o = Assert.Single(r.Output);
            Assert.Equal("DaytonaPS.SandboxMetric", o.Properties["Types"].Value);
            Assert.Contains("daytona.sandbox.cpu.utilization", (string)o.Properties["Metrics"].Value);
            Assert.Contains("daytona.sandbox.memory.usage", (string)o.Properties["Metrics"].Value);
            Assert.Equal(name, o.Properties["Sandboxes"].Value);
            Assert.Equal(o.Properties["SbId"].Value, o.Properties["Ids"].Value);
            Assert.True(Convert.ToDouble(o.Properties["DiskMax"].Value) >= 1_500_000, $"disk {o.Properties["DiskMax"].Value}");
            Assert.Equal("Cores", o.Properties["CpuUnit"].Value);
            Assert.Equal("daytona.sandbox.cpu.limit,daytona.sandbox.filesystem.usage", o.Properties["UsageMetrics"].Value);
            Assert.Equal("Timestamp,Metric,Value,Unit,SandboxId,SandboxName", o.Properties["Csv"].Value);
            var table = o.Properties["Table"].Value.ToString()!;
            Assert.Contains("Timestamp", table);
            Assert.Contains("filesystem.usage", table);
            Assert.DoesNotContain("daytona.sandbox.filesystem.usage", table);
            Assert.Equal(true, o.Properties["Ordered"].Value);
            // A name is looked up once, then the telemetry is asked by id, with the range.
            var call = Assert.Single(r.Verbose, l => l.Contains("/telemetry/metrics?"));
            Assert.Contains($"/sandbox/{o.Properties["SbId"].Value}/telemetry/metrics?from=", call);
            Assert.Contains(r.Verbose, l => l.StartsWith("GET /api/config", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public void LatestReadsTheSandboxNow_AsTheSameRows_FilteredByName()
    {
        var name = Unique("latest");
        var r = Run($$"""
            $sb = New-DaytonaSandbox -Name {{name}}
            Invoke-DaytonaCommand -Id {{name}} 'head -c 3000000 /dev/zero > /tmp/blob' | Out-Null
            $latest = @($sb | Get-DaytonaSandboxMetric -Latest -Verbose 4>&1)
            $verbose = @($latest | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $rows = @($latest | Where-Object { $_ -is [DaytonaPS.SandboxMetric] })
            $mem = @(Get-DaytonaSandboxMetric -Id {{name}} -Latest -MetricName '*memory.limit')
            [pscustomobject]@{
                Count = $rows.Count
                Types = ($rows | ForEach-Object { $_.GetType().FullName } | Sort-Object -Unique) -join ','
                Sandboxes = ($rows.SandboxName | Sort-Object -Unique) -join ','
                DiskUsed = ($rows | Where-Object Metric -eq 'daytona.sandbox.filesystem.usage').Value
                DiskTotal = ($rows | Where-Object Metric -eq 'daytona.sandbox.filesystem.total').Value
                DiskFree = ($rows | Where-Object Metric -eq 'daytona.sandbox.filesystem.available').Value
                Cores = ($rows | Where-Object Metric -eq 'daytona.sandbox.cpu.limit').Value
                SbDisk = $sb.Disk
                SbCpu = $sb.Cpu
                MemLimit = ($mem.Value) -join ','
                MemMetric = ($mem.Metric) -join ','
                AgeSeconds = ((Get-Date).ToUniversalTime() - $rows[0].Timestamp.UtcDateTime).TotalSeconds
                AskedToolbox = @($verbose | Where-Object { $_ -match '/system/metrics' }).Count
                AskedTelemetry = @($verbose | Where-Object { $_ -match '/telemetry/' }).Count
            }
            """).AssertNoErrors();
        var o = Assert.Single(r.Output);
        Assert.Equal(10, o.Properties["Count"].Value);
        Assert.Equal("DaytonaPS.SandboxMetric", o.Properties["Types"].Value);
        Assert.Equal(name, o.Properties["Sandboxes"].Value);
        var diskTotal = Convert.ToDouble(o.Properties["DiskTotal"].Value);
        var diskUsed = Convert.ToDouble(o.Properties["DiskUsed"].Value);
        Assert.True(diskUsed >= 3_000_000, $"disk used {diskUsed}");
        Assert.Equal(Convert.ToDouble(o.Properties["SbDisk"].Value) * 1024 * 1024 * 1024, diskTotal);
        Assert.Equal(diskTotal - diskUsed, Convert.ToDouble(o.Properties["DiskFree"].Value));
        Assert.Equal(Convert.ToDouble(o.Properties["SbCpu"].Value), Convert.ToDouble(o.Properties["Cores"].Value));
        Assert.Equal("daytona.sandbox.memory.limit", o.Properties["MemMetric"].Value);
        Assert.True(Convert.ToDouble(o.Properties["AgeSeconds"].Value) < 120, $"age {o.Properties["AgeSeconds"].Value}");
        Assert.Equal(1, o.Properties["AskedToolbox"].Value);
        Assert.Equal(0, o.Properties["AskedTelemetry"].Value);

        r = Run($"Get-DaytonaSandboxMetric -Id {name} -Latest -From (Get-Date).AddHours(-1)");
        Assert.Contains("-Latest", r.Record("DaytonaInvalidArgument").Exception.Message);
    }

    [Fact]
    public void OneUnknownSandboxIsItsOwnErrorAndBadRangeStops()
    {
        var name = Unique("metric");
        var r = Run($"New-DaytonaSandbox -Name {name} | Out-Null\n@('no-such-sandbox-x', '{name}' | Get-DaytonaSandboxMetric -MetricName daytona.sandbox.cpu.limit).Count");
        Assert.Equal("DaytonaNotFound", Assert.Single(r.ErrorIds));
        Assert.True((int)r.Output[^1].BaseObject >= 1);

        r = Run($"Get-DaytonaSandboxMetric -Id {name} -From (Get-Date) -To (Get-Date).AddHours(-1)");
        Assert.Contains("-From", r.Record("DaytonaInvalidArgument").Exception.Message);

        // Wildcards that match no metric ask for nothing (an empty metricNames would mean all).
        r = Run($"@(Get-DaytonaSandboxMetric -Id {name} -MetricName 'nothing*' -Verbose).Count").AssertNoErrors();
        Assert.Equal(0, r.Output[^1].BaseObject);
        Assert.DoesNotContain(r.Verbose, l => l.Contains("/telemetry/"));
    }

    [Fact]
    public void MetricNameCompletes()
    {
        var r = Run("$s = 'Get-DaytonaSandboxMetric x -MetricName daytona.sandbox.fil'; (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches.CompletionText -join ','").AssertNoErrors();
        Assert.Equal("daytona.sandbox.filesystem.utilization,daytona.sandbox.filesystem.usage,daytona.sandbox.filesystem.available,daytona.sandbox.filesystem.total",
            r.Output[0].BaseObject);
    }

    [Fact]
    public async Task UsesTheAnalyticsApiWhenConfigNamesOne()
    {
        await using var fake = await FakeDaytona.StartAsync();
        var baseUrl = fake.ApiUrl[..^4];
        fake.Enqueue(200, """{"id":"sb-1","name":"web-1","organizationId":"org-9","state":"started","createdAt":"2026-12-01T10:00:00.000Z"}""");
        fake.Enqueue(200, $$"""{"version":"x","analyticsApiUrl":"{{baseUrl}}/analytics/"}""");
        fake.Enqueue(200, """[{"metricName":"daytona.sandbox.cpu.utilization","timestamp":"2026-12-01 10:01:00","value":12.5},{"metricName":"daytona.sandbox.cpu.utilization","timestamp":"2026-12-01T10:00:00Z","value":50}]""");
        var r = ModuleHost.Run($"""
            Connect-Daytona -ApiKey (ConvertTo-SecureString 'dtn_fake_key' -AsPlainText -Force) -ApiUrl '{fake.ApiUrl}' -SkipValidation -InformationAction Ignore
            Get-DaytonaSandboxMetric -Id web-1 -MetricName daytona.sandbox.cpu.utilization, daytona.sandbox.cpu.limit -To ([datetime]::SpecifyKind([datetime]'2026-12-01T11:00:00', 'Utc')) -Verbose -Debug
            """).AssertNoErrors();
        // The credential goes to the analytics host in the header only: never in a stream (canary: the key).
        Assert.DoesNotContain(r.Verbose.Concat(r.Debug).Concat(r.Warnings).Concat(r.Information), l => l.Contains("dtn_fake_key"));
        Assert.DoesNotContain(r.Output, o => o.ToString()!.Contains("dtn_fake_key"));
        Assert.Contains(r.Verbose, l => l.Contains("/analytics/organization/org-9/sandbox/sb-1/telemetry/metrics"));
        var requests = fake.Requests.ToList();
        Assert.Equal(3, requests.Count);
        Assert.Equal("/api/sandbox/web-1", requests[0].Path);
        Assert.Equal("/api/config", requests[1].Path);
        Assert.Equal("/analytics/organization/org-9/sandbox/sb-1/telemetry/metrics?from=2026-12-01T10%3A00%3A00.000Z&to=2026-12-01T11%3A00%3A00.000Z&metricNames=daytona.sandbox.cpu.utilization%2Cdaytona.sandbox.cpu.limit",
            requests[2].Path);
        Assert.Equal("Bearer dtn_fake_key", requests[2].Headers["Authorization"]);
        Assert.Equal(2, r.Output.Count);
        // Oldest first, and ClickHouse's zone-less timestamp read as UTC.
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), r.Output[0].Properties["Timestamp"].Value);
        Assert.Equal(50.0, r.Output[0].Properties["Value"].Value);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 1, 0, TimeSpan.Zero), r.Output[1].Properties["Timestamp"].Value);
        Assert.Equal("Percent", r.Output[1].Properties["Unit"].Value);
        Assert.Equal("web-1", r.Output[1].Properties["SandboxName"].Value);
    }
}
