using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace CallGrains.Webhooks;

/// <summary>
/// Keeps webhooks from being aimed inside the network CallGrains runs in (server-side request forgery): a subscription
/// URL must be absolute http or https, and every address its host resolves to must be public, unless
/// <see cref="WebhookOptions.AllowPrivateTargets"/>. Checked when a subscription is created and again on every
/// connection (<see cref="ConnectAsync"/>), so a name that later resolves elsewhere (DNS rebinding) is refused too.
/// </summary>
public sealed class WebhookTargets(IOptions<WebhookOptions> options)
{
    public const int MaxUrlLength = 2048;
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    private bool AllowPrivate => options.Value.AllowPrivateTargets;

    /// <summary>Why <paramref name="url"/> cannot be a subscription's target, or null when it can.</summary>
    public async Task<string?> RefusalAsync(string? url, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(url)) return "url is required.";
        if (url.Length > MaxUrlLength) return $"url must be at most {MaxUrlLength} characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            return "url must be an absolute http or https URL.";
        if (uri.UserInfo.Length > 0) return "url must not carry credentials.";
        if (AllowPrivate) return null;

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(uri.DnsSafeHost, cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"url's host '{uri.Host}' does not resolve.";
        }
        return addresses.FirstOrDefault(IsForbidden) is { } forbidden
            ? $"url's host '{uri.Host}' is {Describe(forbidden)} ({forbidden}); only public addresses can receive webhooks."
            : null;
    }

    /// <summary>
    /// The webhook client's connect step: resolves the host itself, refuses a forbidden address, and connects to the
    /// addresses it checked (never to a second resolution).
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken);
        if (!AllowPrivate && addresses.FirstOrDefault(IsForbidden) is { } forbidden)
            throw new HttpRequestException($"refused: {context.DnsEndPoint.Host} resolves to {Describe(forbidden)} {forbidden}");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loopback, private (RFC 1918, unique local), link-local (with the cloud metadata address 169.254.169.254),
    /// carrier-grade NAT, unspecified, multicast and reserved addresses; IPv4 inside IPv6 is judged as IPv4.
    /// </summary>
    public static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] is >= 64 and <= 127,
                169 => b[1] == 254,
                172 => b[1] is >= 16 and <= 31,
                192 => (b[1] == 168) || (b[1] == 0 && b[2] == 0),
                198 => b[1] is 18 or 19,
                >= 224 => true,
                _ => false,
            };
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return true;
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
            return true;
        var v6 = address.GetAddressBytes();
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that is reached in the end.
        if (v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6[4..12].All(x => x == 0))
            return IsForbidden(new IPAddress(v6[12..16]));
        if (v6[0] == 0x20 && v6[1] == 0x02) return IsForbidden(new IPAddress(v6[2..6]));
        return false;
    }

    private static string Describe(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address) ? "a loopback address" : "a private, link-local or reserved address";

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal)) return [literal];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        var addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
        return addresses.Length > 0 ? addresses : throw new SocketException((int)SocketError.HostNotFound);
    }
}
