using System.Net;
using System.Net.NetworkInformation;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Dashboard.Server.Security;

/// <summary>
/// The names and addresses the dashboard answers to, for the platform's host filtering (a request whose Host is none
/// of them gets 400, which stops DNS rebinding: a page whose own name resolves to 127.0.0.1 sends its own name).
/// </summary>
public static class ServerNames
{
    private static readonly string[] Loopback = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>
    /// The loopback names, the hosts of the addresses the server listens on (every address of this machine and its
    /// host name when it listens on all interfaces), and the configured ones. Read when the first request arrives,
    /// after the server has bound its addresses.
    /// </summary>
    public static List<string> Allowed(IServer server, SecurityOptions options)
    {
        var names = new List<string>(Loopback);
        var hosts = (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(a => BindingAddress.Parse(a).Host);
        foreach (var host in hosts)
        {
            if (host is "*" or "+" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))))
            {
                names.AddRange(MachineNames());
            }
            else
            {
                names.Add(host);
            }
        }
        names.AddRange(SecurityOptions.List(options.AllowedHosts));
        return names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>What another machine may type to reach a server listening on every interface: its addresses and host name.</summary>
    private static IEnumerable<string> MachineNames() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            // Without the IPv6 scope (fe80::1%2): a Host header never carries one.
            .Select(a => new IPAddress(a.Address.GetAddressBytes()))
            .Select(ip => ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString())
            .Append(Dns.GetHostName());
}
