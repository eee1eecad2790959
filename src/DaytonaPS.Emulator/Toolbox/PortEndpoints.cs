using System.Globalization;
using DaytonaPS.Emulator.Infrastructure;
using DaytonaPS.Emulator.Runtime;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// GET /port and GET /port/{port}/in-use, as the daemon's port detector answers them
/// (apps/daemon/pkg/toolbox/port): the TCP ports something listens on inside the sandbox.
/// </summary>
/// <remarks>
/// The daemon polls its own netstat once a second; here each call reads the sandbox's
/// /proc/net/tcp and /proc/net/tcp6 from inside it (the daemon reads only tcp, IPv4: listing
/// IPv6-only listeners too is a guess, noted in SDK-NOTES.md).
/// </remarks>
internal static class PortEndpoints
{
    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/port", async (HttpContext http) =>
        {
            var ports = await PortRelay.ListeningPortsAsync(http.Sandbox().Runtime.Container, http.RequestAborted);
            return Results.Json(new { ports }, JsonDefaults.Options);
        });

        group.MapGet("/port/{port}/in-use", async (string port, HttpContext http) =>
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                throw ToolboxException.BadRequest("invalid port: must be a number between 3000 and 9999");
            if (number is < 3000 or > 9999)
                throw ToolboxException.BadRequest("port out of range: must be between 3000 and 9999");
            var ports = await PortRelay.ListeningPortsAsync(http.Sandbox().Runtime.Container, http.RequestAborted);
            return Results.Json(new { isInUse = ports.Contains(number) }, JsonDefaults.Options);
        });
    }
}
