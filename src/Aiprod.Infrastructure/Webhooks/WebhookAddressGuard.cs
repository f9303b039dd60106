using System.Net;
using System.Net.Sockets;

namespace Aiprod.Infrastructure.Webhooks;

/// <summary>
/// Refused: the address a webhook's host name resolved to is one the API does not send to. The message is what the
/// owner sees (in the delivery's attempts and a disabled reason), so it names neither the address nor its kind: the
/// API must not tell a user what an internal name resolves to. The address and why are kept for the server's log.
/// </summary>
public sealed class WebhookAddressRefusedException(string host, IPAddress? address, string why)
    : IOException(address is null ? "The host resolves to no address." : PublicMessage)
{
    public const string PublicMessage = "The host resolves to an address webhooks are not sent to.";

    public string Host { get; } = host;

    public IPAddress? Address { get; } = address;

    public string Why { get; } = why;
}

/// <summary>
/// The SSRF guard. A subscription's URL is chosen by a user, so the address the API connects to is checked at
/// connect time, after resolution, in the connection callback itself: what was resolved is what is connected to, and a
/// name that changes its answer between a check and the connection (DNS rebinding) gains nothing. Loopback, private,
/// shared (CGNAT), link-local (with the cloud metadata services at 169.254.169.254 and fd00:ec2::254), multicast and
/// reserved addresses are refused; loopback only is allowed when an operator (a test) says so.
/// </summary>
public static class WebhookAddressGuard
{
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowLoopback, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new WebhookAddressRefusedException(endpoint.Host, null, "no address");
        }

        // Every address must pass, not only the one connected to: a name that answers one public and one private
        // address would otherwise reach the private one whenever the public one does not answer.
        foreach (var address in addresses)
        {
            if (RefusalOf(address, allowLoopback) is { } why)
            {
                throw new WebhookAddressRefusedException(endpoint.Host, address, why);
            }
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    /// <returns>Why the address is refused, or null when it is a public unicast address.</returns>
    public static string? RefusalOf(IPAddress address, bool allowLoopback)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return allowLoopback ? null : "loopback";
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return (b[0], b[1]) switch
            {
                (0, _) => "unspecified",
                (10, _) or (172, >= 16 and <= 31) or (192, 168) => "private",
                (100, >= 64 and <= 127) => "shared (carrier-grade NAT)",
                (169, 254) => "link-local (cloud metadata)",
                (192, 0) when b[2] == 0 => "reserved",
                (198, 18 or 19) => "benchmarking",
                (>= 224, _) => "multicast or reserved",
                _ => null,
            };
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any))
            {
                return "unspecified";
            }

            if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal)
            {
                return "link-local";
            }

            if (address.IsIPv6Multicast)
            {
                return "multicast";
            }

            if ((b[0] & 0xFE) == 0xFC)
            {
                return "private (unique local, cloud metadata)";
            }

            // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that is what is really reached.
            if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            {
                return RefusalOf(new IPAddress(b.AsSpan(12, 4)), allowLoopback);
            }

            if (b[0] == 0x20 && b[1] == 0x02)
            {
                return RefusalOf(new IPAddress(b.AsSpan(2, 4)), allowLoopback);
            }

            return null;
        }

        return "unsupported";
    }
}
