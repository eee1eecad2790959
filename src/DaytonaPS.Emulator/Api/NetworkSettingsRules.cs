using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>
/// POST /sandbox/{id}/network-settings as apps/api v0.190 has it (sandbox.service updateNetworkSettings,
/// utils/network-validation.util): validation, then the clearing rules.
/// </summary>
internal static partial class NetworkSettingsRules
{
    [GeneratedRegex(@"^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,}$")]
    private static partial Regex Domain();

    /// <summary>Checks the body (400 with Daytona's message); call with the store lock held, then nothing can fail halfway.</summary>
    public static void Apply(SandboxRecord s, NetworkSettingsRequest body)
    {
        if (body.NetworkBlockAll is null && body.NetworkAllowList is null && body.DomainAllowList is null)
            throw new DaytonaHttpException(400, "At least one of networkBlockAll, networkAllowList or domainAllowList must be provided");
        if (body.DomainAllowList is { } domains && domains.Trim().Length > 0) ValidateDomains(domains);
        if (body.NetworkAllowList is { } networks && networks.Trim().Length > 0) ValidateNetworks(networks);

        if (body.DomainAllowList is { } d) s.DomainAllowList = d.Trim().Length == 0 ? null : d;
        if (body.NetworkBlockAll is { } block)
        {
            s.NetworkBlockAll = block;
            if (block) s.NetworkAllowList = null;
        }
        if (body.NetworkAllowList is { } n)
        {
            if (n.Trim().Length == 0)
            {
                s.NetworkAllowList = null;
            }
            else
            {
                // An allow list lifts block-all.
                s.NetworkAllowList = n;
                s.NetworkBlockAll = false;
            }
        }
        else if (body.NetworkBlockAll == false)
        {
            s.NetworkAllowList = null;
        }
    }

    public static void ValidateNetworks(string list)
    {
        var networks = list.Split(',').Select(n => n.Trim()).ToList();
        foreach (var network in networks.Where(n => n.Length > 0))
        {
            var parts = network.Split('/');
            var ip = parts[0];
            if (!IsIPv4(ip)) throw new DaytonaHttpException(400, $"Invalid IP address: \"{ip}\" in network \"{network}\". Must be a valid IPv4 address");
            if (parts.Length < 2 || parts[1].Length == 0) throw new DaytonaHttpException(400, $"Invalid network format: \"{network}\". Missing CIDR prefix length (e.g., /24)");
            // parseInt: leading digits count; none is NaN, which passes both comparisons in JavaScript.
            var digits = new string(parts[1].TakeWhile(char.IsAsciiDigit).ToArray());
            if (digits.Length > 0 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) && prefix > 32)
                throw new DaytonaHttpException(400, $"Invalid CIDR prefix length: {network}. Prefix must be between 0 and 32");
        }
        if (networks.Count > 10) throw new DaytonaHttpException(400, "Network allow list cannot contain more than 10 networks");
    }

    public static void ValidateDomains(string list)
    {
        var domains = list.Split(',').Select(d => d.Trim()).ToList();
        foreach (var domain in domains.Where(d => d.Length > 0))
        {
            if (!Domain().IsMatch(domain)) throw new DaytonaHttpException(400, $"Invalid domain: \"{domain}\". Must be a valid domain name");
        }
        if (domains.Count > 10) throw new DaytonaHttpException(400, "Domain allow list cannot contain more than 10 domains");
    }

    /// <summary>Node's net.isIPv4: four dotted decimal octets 0-255, no leading zeros.</summary>
    private static bool IsIPv4(string text)
    {
        var octets = text.Split('.');
        if (octets.Length != 4) return false;
        foreach (var o in octets)
        {
            if (o.Length is 0 or > 3 || !o.All(char.IsAsciiDigit) || (o.Length > 1 && o[0] == '0')) return false;
            if (int.Parse(o, CultureInfo.InvariantCulture) > 255) return false;
        }
        return true;
    }
}
