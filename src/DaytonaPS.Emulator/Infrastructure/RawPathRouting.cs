using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>
/// Routes on the path exactly as the client sent it, one segment per id or name. Kestrel decodes
/// the path (all but %2F), so %252F reached handlers as %2F and was decoded again into '/', and
/// it removes dot segments after decoding, so /api/sandbox/x/%2E%2E/y addressed /api/y. Here the
/// routing path is rebuilt from the raw request target: each segment is decoded once, with only
/// '%' and '/' kept escaped so segment boundaries survive, and '.' and '..' are plain values (a
/// sandbox or session may be called '..'). After routing, route values are decoded back to the
/// exact text, so handlers never unescape anything themselves.
/// </summary>
public static class RawPathRouting
{
    public static void UseRawPathRouting(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            if (http.Features.Get<IHttpRequestFeature>()?.RawTarget is { } raw && raw.StartsWith('/'))
            {
                var query = raw.IndexOf('?');
                http.Request.Path = new PathString(RoutingPath(query < 0 ? raw : raw[..query]));
            }
            return next(http);
        });
        app.UseRouting();
        app.Use((http, next) =>
        {
            var values = http.Request.RouteValues;
            foreach (var key in values.Keys.ToList())
            {
                if (values[key] is string value) values[key] = Decode(value);
            }
            return next(http);
        });
    }

    /// <summary>A routing-path segment (or catch-all value) back to the text the client meant.</summary>
    public static string Decode(string value) => Uri.UnescapeDataString(value);

    /// <summary>Decodes each raw segment once, re-escaping only '%' and '/'; nothing is normalised.</summary>
    internal static string RoutingPath(string rawPath)
    {
        var result = new StringBuilder(rawPath.Length);
        var first = true;
        foreach (var segment in rawPath.Split('/'))
        {
            if (!first) result.Append('/');
            first = false;
            result.Append(Uri.UnescapeDataString(segment).Replace("%", "%25", StringComparison.Ordinal).Replace("/", "%2F", StringComparison.Ordinal));
        }
        return result.ToString();
    }
}
