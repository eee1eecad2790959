using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DaytonaPS.Emulator;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Finds the built module (out/DaytonaPS) and runs scripts against it in fresh runspaces.</summary>
public static class ModuleHost
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>out/DaytonaPS/DaytonaPS.psd1, or DAYTONAPS_TEST_MODULE (a psd1 path) when set.</summary>
    public static string ModuleManifest { get; } =
        Environment.GetEnvironmentVariable("DAYTONAPS_TEST_MODULE") is { Length: > 0 } custom
            ? custom
            : Path.Combine(RepoRoot, "out", "DaytonaPS", "DaytonaPS.psd1");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DaytonaPS.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("DaytonaPS.sln not found above " + AppContext.BaseDirectory);
    }

    public static Runspace OpenRunspace()
    {
        if (!File.Exists(ModuleManifest))
            throw new InvalidOperationException($"{ModuleManifest} is missing: run 'dotnet pwsh ./build.ps1 -Task Build' first.");
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(ModuleManifest);
        var rs = RunspaceFactory.CreateRunspace(iss);
        rs.Open();
        return rs;
    }

    /// <summary>Runs a script in a new runspace with the module imported; variables are set first.</summary>
    public static PsResult Run(string script, IDictionary? variables = null)
    {
        using var rs = OpenRunspace();
        return Run(rs, script, variables);
    }

    public static PsResult Run(Runspace rs, string script, IDictionary? variables = null)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        if (variables is not null)
            foreach (DictionaryEntry v in variables) rs.SessionStateProxy.SetVariable((string)v.Key, v.Value);
        ps.AddScript(script);
        Collection<PSObject> output;
        Exception? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            output = new Collection<PSObject>();
            terminating = ex;
        }
        return new PsResult(output, ps.Streams.Error.ToList(), ps.Streams.Verbose.Select(v => v.Message).ToList(),
            ps.Streams.Debug.Select(v => v.Message).ToList(), ps.Streams.Warning.Select(v => v.Message).ToList(),
            ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList(), terminating, ps.Streams.Progress.ToList());
    }
}

public sealed record PsResult(
    Collection<PSObject> Output,
    List<ErrorRecord> Errors,
    List<string> Verbose,
    List<string> Debug,
    List<string> Warnings,
    List<string> Information,
    Exception? Terminating,
    List<ProgressRecord>? Progress = null)
{
    /// <summary>Error ids of every error, terminating ones included (ids before the comma).</summary>
    public IEnumerable<string> ErrorIds =>
        Errors.Select(e => e.FullyQualifiedErrorId)
            .Concat(Terminating is IContainsErrorRecord c ? new[] { c.ErrorRecord.FullyQualifiedErrorId } : Array.Empty<string>())
            .Select(id => id.Split(',')[0]);

    public ErrorRecord? TerminatingRecord => (Terminating as IContainsErrorRecord)?.ErrorRecord;

    /// <summary>The first error (from the error stream or the terminating exception) with this id.</summary>
    public ErrorRecord Record(string errorId) =>
        Errors.Concat(TerminatingRecord is null ? Array.Empty<ErrorRecord>() : new[] { TerminatingRecord })
            .First(e => e.FullyQualifiedErrorId.Split(',')[0] == errorId);

    public PsResult AssertNoErrors()
    {
        if (Terminating is not null || Errors.Count > 0)
            throw new Xunit.Sdk.XunitException("PowerShell errors: " + string.Join(" | ",
                Errors.Select(e => e.FullyQualifiedErrorId + ": " + e).Concat(Terminating is null ? Array.Empty<string>() : new[] { Terminating.ToString() })));
        return this;
    }
}

/// <summary>One in-process emulator per test class (TransitionMs 100), with an API key and a JWT.</summary>
public class EmulatorFixture : IAsyncLifetime
{
    /// <summary>How long each state transition takes (a fixture for slow transitions overrides it).</summary>
    protected virtual int TransitionMs => 100;

    public const string ApiKey = "dtn_test_key_0123456789abcdef";
    public const string Jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";
    public const string OrganizationId = "org-test-1";

    public EmulatorServer Server { get; private set; } = null!;
    public string ApiUrl => Server.ApiUrl;

    public async Task InitializeAsync()
    {
        var options = new EmulatorOptions { Urls = "http://127.0.0.1:0", TransitionMs = TransitionMs, Jwt = Jwt, OrganizationId = OrganizationId };
        options.ApiKeys.Add(ApiKey);
        Server = await EmulatorServer.StartAsync(options);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>
    /// Script prefix: Connect-Daytona to this emulator (no validation call unless asked). Its
    /// "Connected to ..." line is silenced: it is set-up here, and tests read the information
    /// stream for what the cmdlet under test relays (the line itself: tests/pester/Connection.Tests.ps1).
    /// </summary>
    public string Connect(string extra = "") =>
        $"Connect-Daytona -ApiKey (ConvertTo-SecureString '{ApiKey}' -AsPlainText -Force) -ApiUrl '{ApiUrl}' -SkipValidation -InformationAction Ignore {extra}\n";

    /// <summary>PUT /_emulator/faults with the given JSON.</summary>
    public async Task SetFaultsAsync(string json)
    {
        using var http = new HttpClient();
        using var req = new HttpRequestMessage(HttpMethod.Put, Server.BaseUrl + "/_emulator/faults")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        using var res = await http.SendAsync(req);
        res.EnsureSuccessStatusCode();
    }

    /// <summary>POST /_emulator/faults/next: the next <paramref name="count"/> requests matching method and path glob get <paramref name="kind"/>.</summary>
    public async Task NextFaultAsync(string kind, string method, string path, int count = 1)
    {
        using var http = new HttpClient();
        var json = System.Text.Json.JsonSerializer.Serialize(new { kind, method, path, count });
        using var req = new HttpRequestMessage(HttpMethod.Post, Server.BaseUrl + "/_emulator/faults/next")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        using var res = await http.SendAsync(req);
        res.EnsureSuccessStatusCode();
    }

    /// <summary>DELETE /_emulator/faults/next: drops targeted faults not yet used.</summary>
    public async Task ClearNextFaultsAsync()
    {
        using var http = new HttpClient();
        using var req = new HttpRequestMessage(HttpMethod.Delete, Server.BaseUrl + "/_emulator/faults/next");
        req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        using var res = await http.SendAsync(req);
        res.EnsureSuccessStatusCode();
    }

    public async Task PutAsync(string path, string json)
    {
        using var http = new HttpClient();
        using var req = new HttpRequestMessage(HttpMethod.Put, Server.BaseUrl + path)
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        using var res = await http.SendAsync(req);
        res.EnsureSuccessStatusCode();
    }
}
