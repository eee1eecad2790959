using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Auth;

namespace DaytonaPS.Api;

/// <summary>
/// First handler of every connection's chain: the headers of <see cref="Headers"/> on every request.
/// Used for the main API and the toolbox (same HttpClient); the log WebSocket, which cannot go
/// through a handler, sets the same <see cref="Headers"/> on its upgrade request.
/// </summary>
internal sealed class DaytonaAuthHandler : DelegatingHandler
{
    /// <summary>Daytona's session log endpoints return JSON only to SDK versions >= 0.167.0.</summary>
    public const string SdkVersion = "0.218.0";
    public const string SourceName = "DaytonaPS";

    private static readonly string UserAgent = new ProductInfoHeaderValue("DaytonaPS", ModuleInfo.Version).ToString();
    private readonly DaytonaConnection _connection;

    public DaytonaAuthHandler(DaytonaConnection connection) => _connection = connection;

    /// <summary>
    /// Every header DaytonaPS sends to Daytona: the bearer credential, the organization in JWT mode,
    /// and the identifying headers Daytona's SDKs send. The one list, so HTTP calls and WebSockets can't drift.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> Headers(DaytonaConnection connection)
    {
        yield return new("Authorization", "Bearer " + connection.RevealSecret());
        if (connection.AuthType == DaytonaAuthType.Jwt && connection.OrganizationId is { } org)
            yield return new("X-Daytona-Organization-ID", org);
        yield return new("User-Agent", UserAgent);
        yield return new("X-Daytona-Source", SourceName);
        yield return new("X-Daytona-SDK-Version", SdkVersion);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers;
        foreach (var header in Headers(_connection))
        {
            headers.Remove(header.Key);
            headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        if (headers.Accept.Count == 0) headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return base.SendAsync(request, cancellationToken);
    }
}
