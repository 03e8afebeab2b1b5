namespace CallGrains.Tests.Shared;

/// <summary>
/// A load balancer in front of co-hosted nodes, inside the HTTP client: each request goes to the next node in turn,
/// and a request that could not connect (its node killed, or not started again yet) goes to the next one, as nginx does
/// with a request no node has received. A push (<c>/v1/huawei/</c>) whose node failed before answering (the connection
/// broke with no response) is sent to the next node too, as deploy/nginx/nginx.conf does for pushes
/// (<c>non_idempotent</c>, two tries), and so is one that got no answer within nginx's read timeout. Whatever the
/// client's base address, the node's address replaces it.
/// </summary>
public sealed class NodeBalancer(IReadOnlyList<Uri> nodes, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private int _turn = -1;

    /// <summary>As nginx's <c>proxy_read_timeout</c>: how long one try waits for its node's answer.</summary>
    public static readonly TimeSpan TryTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A client whose requests the balancer spreads over <paramref name="nodes"/>, as patient as nginx: every try of a
    /// push may take its full read timeout (a client that gave up sooner would call a push lost that the service
    /// still answered).
    /// </summary>
    public static HttpClient Client(IReadOnlyList<Uri> nodes, int connectionsPerNode) =>
        Client(nodes, new SocketsHttpHandler { MaxConnectionsPerServer = connectionsPerNode });

    /// <summary>As <see cref="Client(IReadOnlyList{Uri}, int)"/>, over a handler of the caller's (its connections, its sockets).</summary>
    public static HttpClient Client(IReadOnlyList<Uri> nodes, HttpMessageHandler handler) =>
        new(new NodeBalancer(nodes, handler))
        {
            BaseAddress = nodes[0],
            Timeout = PushTries * TryTimeout + TimeSpan.FromSeconds(5),
        };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var first = (int)((uint)Interlocked.Increment(ref _turn) % (uint)nodes.Count);
        for (var tried = 0; ; tried++)
        {
            request.RequestUri = On(nodes[(first + tried) % nodes.Count], request.RequestUri!);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TryTimeout);
            try
            {
                return await base.SendAsync(request, attempt.Token);
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError && tried + 1 < nodes.Count)
            {
                // Never reached that node: the next one may take it.
            }
            catch (HttpRequestException) when (PushMayTryAgain(request, tried))
            {
                // Reached a node that broke the connection without an answer (a response would have been returned): a push
                // is idempotent, so the next node may take it again.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && PushMayTryAgain(request, tried))
            {
                // No answer within the read timeout: nginx's "timeout", the next node may take it.
            }
        }
    }

    /// <summary>As nginx's <c>proxy_next_upstream_tries</c> for the push location.</summary>
    private const int PushTries = 2;

    /// <summary>Whether a push whose try <paramref name="tried"/> got no answer goes to the next node, as nginx's push location sends it.</summary>
    private bool PushMayTryAgain(HttpRequestMessage request, int tried) => IsPush(request) && tried + 1 < Math.Min(nodes.Count, PushTries);

    private static bool IsPush(HttpRequestMessage request) =>
        request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.StartsWith("/v1/huawei/", StringComparison.Ordinal);

    private static Uri On(Uri node, Uri target) =>
        new UriBuilder(target) { Scheme = node.Scheme, Host = node.Host, Port = node.Port }.Uri;
}
