namespace CallGrains.Tests.Shared;

/// <summary>
/// A load balancer in front of co-hosted nodes, inside the HTTP client: each request goes to the next node in turn,
/// and a request that could not connect (its node killed, or not started again yet) goes to the next one, as nginx does
/// with a request no node has received. A push (<c>/v1/huawei/</c>) whose node failed before answering (the connection
/// broke with no response) is sent to the next node too, as deploy/nginx/nginx.conf does for pushes
/// (<c>non_idempotent</c>, two tries). Whatever the client's base address, the node's address replaces it.
/// </summary>
public sealed class NodeBalancer(IReadOnlyList<Uri> nodes, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private int _turn = -1;

    /// <summary>A client whose requests the balancer spreads over <paramref name="nodes"/>.</summary>
    public static HttpClient Client(IReadOnlyList<Uri> nodes, int connectionsPerNode, TimeSpan timeout) =>
        new(new NodeBalancer(nodes, new SocketsHttpHandler { MaxConnectionsPerServer = connectionsPerNode }))
        {
            BaseAddress = nodes[0],
            Timeout = timeout,
        };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var first = (int)((uint)Interlocked.Increment(ref _turn) % (uint)nodes.Count);
        for (var tried = 0; ; tried++)
        {
            request.RequestUri = On(nodes[(first + tried) % nodes.Count], request.RequestUri!);
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError && tried + 1 < nodes.Count)
            {
                // Never reached that node: the next one may take it.
            }
            catch (HttpRequestException) when (IsPush(request) && tried + 1 < Math.Min(nodes.Count, PushTries))
            {
                // Reached a node that broke the connection without an answer (a response would have been returned): a push
                // is idempotent, so the next node may take it again.
            }
        }
    }

    /// <summary>As nginx's <c>proxy_next_upstream_tries</c> for the push location.</summary>
    private const int PushTries = 2;

    private static bool IsPush(HttpRequestMessage request) =>
        request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.StartsWith("/v1/huawei/", StringComparison.Ordinal);

    private static Uri On(Uri node, Uri target) =>
        new UriBuilder(target) { Scheme = node.Scheme, Host = node.Host, Port = node.Port }.Uri;
}
