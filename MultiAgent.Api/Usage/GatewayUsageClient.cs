using System.Net.Http.Headers;
using System.Net.Http.Json;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;

namespace MultiAgent.Api.Usage;

/// <summary>
/// Reads model usage from the AiGateway (which owns the ledger) over its usage contract, authenticated with the gateway
/// key (<c>AiGateway:ApiKey</c>, passed by the AppHost from its secret parameter <c>aigateway-api-key</c>).
/// </summary>
public sealed class GatewayUsageClient(HttpClient http)
{
    public const string BaseAddress = "http://aigateway";
    public const string KeySetting = "AiGateway:ApiKey";

    public async Task<TaskUsageReport> GetTaskAsync(string taskId, CancellationToken cancellationToken) =>
        await http.GetFromJsonAsync<TaskUsageReport>($"/v1/usage/tasks/{Uri.EscapeDataString(taskId)}", JsonDefaults.Options, cancellationToken)
        ?? throw new InvalidOperationException("The AI gateway answered an empty usage report.");

    public async Task<IReadOnlyList<TaskUsageReport>> GetTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken)
    {
        if (taskIds.Count == 0) return [];
        var query = string.Join('&', taskIds.Select(id => "task_id=" + Uri.EscapeDataString(id)));
        var list = await http.GetFromJsonAsync<TaskUsageList>($"/v1/usage/tasks?{query}", JsonDefaults.Options, cancellationToken);
        return list?.Data ?? [];
    }

    /// <summary>Where the gateway sends calls for <paramref name="model"/> from an agent of <paramref name="role"/>.</summary>
    public async Task<ModelRoute> ResolveRouteAsync(string model, string role, CancellationToken cancellationToken) =>
        await http.GetFromJsonAsync<ModelRoute>($"/v1/routes/resolve?model={Uri.EscapeDataString(model)}&role={Uri.EscapeDataString(role)}",
            JsonDefaults.Options, cancellationToken)
        ?? throw new InvalidOperationException("The AI gateway answered an empty route.");

    /// <summary>Cost and tokens by model over the last <paramref name="period"/>, in hourly buckets.</summary>
    public async Task<UsageSummary> GetSummaryAsync(TimeSpan period, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var from = Uri.EscapeDataString((now - period).ToString("O"));
        var to = Uri.EscapeDataString(now.ToString("O"));
        return await http.GetFromJsonAsync<UsageSummary>($"/v1/usage/summary?from={from}&to={to}&bucket=hour", JsonDefaults.Options, cancellationToken)
               ?? throw new InvalidOperationException("The AI gateway answered an empty usage summary.");
    }
}

public static class GatewayUsageExtensions
{
    public static void AddGatewayUsageClient(this IHostApplicationBuilder builder)
    {
        var key = builder.Configuration[GatewayUsageClient.KeySetting];
        builder.Services.AddHttpClient<GatewayUsageClient>(http =>
        {
            http.BaseAddress = new Uri(builder.Configuration["AiGateway:Url"] ?? GatewayUsageClient.BaseAddress);
            if (!string.IsNullOrEmpty(key)) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        });
    }
}
