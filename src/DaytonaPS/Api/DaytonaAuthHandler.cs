using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Auth;

namespace DaytonaPS.Api;

/// <summary>
/// First handler of every connection's chain: the bearer credential, the organization header in
/// JWT mode and the identifying headers Daytona's SDKs send. Used for the main API and, by the
/// toolbox client, for /toolbox calls (same HttpClient, same headers).
/// </summary>
internal sealed class DaytonaAuthHandler : DelegatingHandler
{
    /// <summary>Daytona's session log endpoints return JSON only to SDK versions >= 0.167.0.</summary>
    public const string SdkVersion = "0.218.0";
    public const string SourceName = "DaytonaPS";

    private static readonly ProductInfoHeaderValue UserAgent = new("DaytonaPS", ModuleInfo.Version);
    private readonly DaytonaConnection _connection;

    public DaytonaAuthHandler(DaytonaConnection connection) => _connection = connection;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers;
        headers.Authorization = new AuthenticationHeaderValue("Bearer", _connection.RevealSecret());
        if (_connection.AuthType == DaytonaAuthType.Jwt && _connection.OrganizationId is { } org)
        {
            headers.Remove("X-Daytona-Organization-ID");
            headers.TryAddWithoutValidation("X-Daytona-Organization-ID", org);
        }
        headers.UserAgent.Clear();
        headers.UserAgent.Add(UserAgent);
        headers.Remove("X-Daytona-Source");
        headers.TryAddWithoutValidation("X-Daytona-Source", SourceName);
        headers.Remove("X-Daytona-SDK-Version");
        headers.TryAddWithoutValidation("X-Daytona-SDK-Version", SdkVersion);
        if (headers.Accept.Count == 0) headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return base.SendAsync(request, cancellationToken);
    }
}
