using System;
using System.Collections;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Rest;

/// <summary>
/// Invoke-DaytonaApi: any Daytona API (or, with -Toolbox, toolbox) route over the current connection:
/// its credential, retries, verbose logging and error mapping. JSON replies become objects (-Raw: the text).
/// Paths are relative to the API URL (or the sandbox's toolbox URL); the credential is never shown.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DaytonaApi", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PSObject), typeof(string))]
public sealed class InvokeDaytonaApiCommand : DaytonaApiCmdlet
{
    private static readonly string[] Methods = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" };

    /// <summary>
    /// The HTTP method; GET by default. Checked in the cmdlet rather than by ValidateSet so that both
    /// 'Invoke-DaytonaApi /sandbox' and 'Invoke-DaytonaApi POST /sandbox' work (as gh api): one
    /// positional value that is not a method is the path.
    /// </summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(HttpMethodCompleter))]
    [ValidateNotNullOrEmpty]
    public string Method { get; set; } = "GET";

    /// <summary>A path relative to the API URL, e.g. /sandbox or snapshots?page=2 (toolbox paths with -Toolbox).</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The request body: a string is sent as it is, anything else as JSON.</summary>
    [Parameter]
    public object? Body { get; set; }

    /// <summary>Query parameters, added to any in -Path.</summary>
    [Parameter]
    [ValidateNotNull]
    public IDictionary? Query { get; set; }

    /// <summary>The reply's text as it came, instead of objects.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>A sandbox (id, name or object): the path is a toolbox route of that sandbox.</summary>
    [Parameter]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(Sandbox.SandboxCompleter))]
    public object? Toolbox { get; set; }

    protected override void ProcessRecord()
    {
        var methodName = Method.Trim().ToUpperInvariant();
        var path = Path;
        if (string.IsNullOrEmpty(path) && !Methods.Contains(methodName))
        {
            path = Method;
            methodName = "GET";
        }
        if (string.IsNullOrEmpty(path)) ThrowInvalidArgument("Give -Path: the API route to call, e.g. Invoke-DaytonaApi /sandbox.");
        if (!Methods.Contains(methodName)) ThrowInvalidArgument($"'{Method}' is not an HTTP method Invoke-DaytonaApi sends ({string.Join(", ", Methods)}).", target: Method);
        Path = path;
        if (Uri.TryCreate(Path, UriKind.Absolute, out var absolute) && (absolute.Scheme == "http" || absolute.Scheme == "https"))
        {
            ThrowInvalidArgument($"-Path takes a path relative to the API URL (or, with -Toolbox, to the sandbox's toolbox), not a URL.",
                "Give the path only, e.g. -Path /sandbox; the connection's API URL (Get-DaytonaContext) is put in front.", Path);
        }
        var method = new HttpMethod(methodName);
        var relative = WithQuery(Path.StartsWith("/", StringComparison.Ordinal) ? Path : "/" + Path, Query);
        var body = Body is PSObject p && p.BaseObject is not PSCustomObject ? p.BaseObject : Body;
        var (sandboxRef, known) = Toolbox switch
        {
            null => ((string?)null, (DaytonaPS.Sandbox?)null),
            PSObject { BaseObject: DaytonaPS.Sandbox s } => (s.Id, s),
            DaytonaPS.Sandbox s => (s.Id, s),
            PSObject { BaseObject: string s } => (s, null),
            string s => (s, null),
            _ => (LanguagePrimitives.ConvertTo<string>(Toolbox), null),
        };
        Run(async (pipe, ct) =>
        {
            var api = Api(pipe);
            Uri uri;
            string target;
            if (sandboxRef is null)
            {
                uri = api.ApiUri(relative);
                target = relative;
            }
            else
            {
                var (toolbox, display) = await ToolboxClient.ForSandboxAsync(api, sandboxRef, known, ct).ConfigureAwait(false);
                uri = toolbox.Uri(relative);
                target = $"{relative} (toolbox of {display})";
            }
            if (method != HttpMethod.Get && method != HttpMethod.Head && !await pipe.ShouldProcessAsync(target, method.Method).ConfigureAwait(false)) return;
            Func<HttpContent?>? content = body is null ? null : () => Content(body);
            var retry = method == HttpMethod.Post || method.Method == "PATCH" ? RetryMode.RejectedOnly : RetryMode.Idempotent;
            using var response = await api.SendAsync(method, uri, content, retry, ct).ConfigureAwait(false);
            var text = response.Content is null ? string.Empty : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (Raw) { pipe.WriteObject(text); return; }
            if (string.IsNullOrWhiteSpace(text)) return;
            var mediaType = response.Content?.Headers.ContentType?.MediaType ?? string.Empty;
            if (mediaType.IndexOf("json", StringComparison.OrdinalIgnoreCase) < 0 && !LooksLikeJson(text)) { pipe.WriteObject(text); return; }
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException) { pipe.WriteObject(text); return; }
            using (doc)
            {
                // A JSON array is written item by item, as Invoke-RestMethod does.
                var value = JsonObjects.ToPowerShell(doc.RootElement);
                pipe.WriteObject(value, enumerateCollection: doc.RootElement.ValueKind == JsonValueKind.Array);
            }
        }, Path);
    }

    private static bool LooksLikeJson(string text)
    {
        var t = text.TrimStart();
        return t.StartsWith("{", StringComparison.Ordinal) || t.StartsWith("[", StringComparison.Ordinal);
    }

    private static HttpContent Content(object body) => body is string s
        ? new StringContent(s, Encoding.UTF8, "application/json")
        : DaytonaApiClient.JsonContent(JsonObjects.FromPowerShell(body) ?? new object());

    private static string WithQuery(string path, IDictionary? query)
    {
        if (query is null || query.Count == 0) return path;
        var pairs = query.Cast<DictionaryEntry>()
            .Select(e => Uri.EscapeDataString(Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? string.Empty) + "=" +
                         Uri.EscapeDataString(e.Value is bool b ? (b ? "true" : "false") : Convert.ToString(e.Value is PSObject p ? p.BaseObject : e.Value, CultureInfo.InvariantCulture) ?? string.Empty));
        return path + (path.Contains("?") ? "&" : "?") + string.Join("&", pairs);
    }
}

/// <summary>Completes the HTTP methods Invoke-DaytonaApi sends.</summary>
public sealed class HttpMethodCompleter : IArgumentCompleter
{
    public System.Collections.Generic.IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters) =>
        new[] { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" }
            .Where(m => m.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            .Select(m => new CompletionResult(m));
}
