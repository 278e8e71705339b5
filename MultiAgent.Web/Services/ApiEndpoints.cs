using System.Net;
using Microsoft.Extensions.ServiceDiscovery;
using MultiAgent.Contracts.Events;

namespace MultiAgent.Web.Services;

/// <summary>Where the Api is. HTTP calls go through service discovery by name; the events hub needs a real address.</summary>
public sealed class ApiEndpoints(ServiceEndpointResolver resolver, ILogger<ApiEndpoints> logger)
{
    public const string ServiceName = "api";
    public const string BaseAddress = "http://" + ServiceName;

    /// <summary>
    /// The absolute URL of the task events hub, or null when the Api cannot be resolved.
    /// SignalR's WebSocket transport opens its own socket, bypassing the HttpClient pipeline that resolves service names.
    /// </summary>
    public async Task<Uri?> GetHubUrlAsync(CancellationToken cancellationToken)
    {
        try
        {
            var source = await resolver.GetEndpointsAsync(BaseAddress, cancellationToken);
            var baseUri = source.Endpoints.Select(e => ToUri(e.EndPoint)).FirstOrDefault(u => u is not null);
            return baseUri is null ? null : new Uri(baseUri, TaskEventNames.HubPath);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not resolve the {Service} service endpoint for the events hub", ServiceName);
            return null;
        }
    }

    private static Uri? ToUri(EndPoint endPoint) => endPoint switch
    {
        UriEndPoint uri => uri.Uri,
        IPEndPoint ip => new UriBuilder(Uri.UriSchemeHttp, ip.Address.ToString(), ip.Port).Uri,
        DnsEndPoint dns => new UriBuilder(Uri.UriSchemeHttp, dns.Host, dns.Port > 0 ? dns.Port : -1).Uri,
        _ => null,
    };
}
