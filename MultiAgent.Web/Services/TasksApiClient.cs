using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Api;
using MultiAgent.Web.Services.Auth;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace MultiAgent.Web.Services;

/// <summary>
/// The Api's /api/v1 endpoints as the Web app uses them. Every call returns a value or an <see cref="ApiError"/>.
/// Calls carry the signed-in user's bearer token; a 401 (or an expiring token) renews it once, and when that fails the
/// person is sent to the sign-in page. Resolved per Blazor scope, so the token is the circuit's user's.
/// </summary>
public sealed class TasksApiClient(HttpClient http, ApiTokenStore tokens, ILogger<TasksApiClient> logger)
{
    private const string TasksPath = "api/v1/tasks";

    public Task<ApiResult<TaskCreatedResponse>> CreateTaskAsync(CreateTaskRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<TaskCreatedResponse>(HttpMethod.Post, TasksPath, request, "create the task", cancellationToken);

    public Task<ApiResult<TaskListResponse>> ListTasksAsync(TaskListQuery query, CancellationToken cancellationToken = default) =>
        SendAsync<TaskListResponse>(HttpMethod.Get, TasksPath + query.ToQueryString(), null, "load the task list", cancellationToken);

    public Task<ApiResult<TaskDetails>> GetTaskAsync(string taskId, CancellationToken cancellationToken = default) =>
        SendAsync<TaskDetails>(HttpMethod.Get, TaskPath(taskId), null, "load the task", cancellationToken);

    public Task<ApiResult<TaskResultResponse>> GetResultAsync(string taskId, CancellationToken cancellationToken = default) =>
        SendAsync<TaskResultResponse>(HttpMethod.Get, TaskPath(taskId, "result"), null, "load the task's result", cancellationToken);

    public Task<ApiResult<TaskAgentsResponse>> GetAgentsAsync(string taskId, CancellationToken cancellationToken = default) =>
        SendAsync<TaskAgentsResponse>(HttpMethod.Get, TaskPath(taskId, "agents"), null, "load the agents' activity", cancellationToken);

    public Task<ApiResult<CancelTaskResponse>> CancelTaskAsync(string taskId, CancellationToken cancellationToken = default) =>
        SendAsync<CancelTaskResponse>(HttpMethod.Delete, TaskPath(taskId), null, "cancel the task", cancellationToken);

    public Task<ApiResult<ReviseTaskResponse>> ReviseTaskAsync(string taskId, ReviseTaskRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<ReviseTaskResponse>(HttpMethod.Post, TaskPath(taskId, "revise"), request, "request the revision", cancellationToken);

    public Task<ApiResult<SubtaskDetails>> GetSubtaskAsync(string taskId, string subtaskId, CancellationToken cancellationToken = default) =>
        SendAsync<SubtaskDetails>(HttpMethod.Get, TaskPath(taskId, "subtasks/" + Uri.EscapeDataString(subtaskId)), null, "load the subtask", cancellationToken);

    public Task<ApiResult<TaskAnswersResponse>> GetAnswersAsync(string taskId, CancellationToken cancellationToken = default) =>
        SendAsync<TaskAnswersResponse>(HttpMethod.Get, TaskPath(taskId, "answers"), null, "load the answer versions", cancellationToken);

    public Task<ApiResult<TaskRevisionsResponse>> GetRevisionsAsync(string taskId, CancellationToken cancellationToken = default) =>
        SendAsync<TaskRevisionsResponse>(HttpMethod.Get, TaskPath(taskId, "revisions"), null, "load the revisions", cancellationToken);

    public Task<ApiResult<TaskUsageReport>> GetUsageAsync(string taskId, CancellationToken cancellationToken = default) =>
        SendAsync<TaskUsageReport>(HttpMethod.Get, TaskPath(taskId, "usage"), null, "load the task's usage", cancellationToken);

    public Task<ApiResult<AgentTypesResponse>> GetAgentTypesAsync(CancellationToken cancellationToken = default) =>
        SendAsync<AgentTypesResponse>(HttpMethod.Get, "api/v1/agents/types", null, "load the agent types", cancellationToken);

    public Task<ApiResult<AgentListResponse>> ListAgentsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<AgentListResponse>(HttpMethod.Get, "api/v1/agents", null, "load the agents", cancellationToken);

    public Task<ApiResult<AgentStatusResponse>> GetAgentStatusAsync(CancellationToken cancellationToken = default) =>
        SendAsync<AgentStatusResponse>(HttpMethod.Get, "api/v1/agents/status", null, "load the agents' status", cancellationToken);

    public Task<ApiResult<AgentDetails>> UpdateAgentAsync(string agentId, UpdateAgentRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<AgentDetails>(HttpMethod.Patch, $"api/v1/agents/{Uri.EscapeDataString(agentId)}", request, "change the agent", cancellationToken);

    public Task<ApiResult<MetricsResponse>> GetMetricsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<MetricsResponse>(HttpMethod.Get, "api/v1/metrics", null, "load the metrics", cancellationToken);

    /// <summary>Admin only: who the given user ids are (for the task list's owner column).</summary>
    public Task<ApiResult<UserListResponse>> GetUsersAsync(IEnumerable<string> userIds, CancellationToken cancellationToken = default) =>
        SendAsync<UserListResponse>(HttpMethod.Get, "api/v1/users?ids=" + Uri.EscapeDataString(string.Join(',', userIds)), null, "load the task owners",
            cancellationToken);

    public Task<ApiResult<HealthResponse>> GetHealthAsync(CancellationToken cancellationToken = default) =>
        SendAsync<HealthResponse>(HttpMethod.Get, "api/v1/health", null, "check the API's health", cancellationToken, anonymous: true);

    private static string TaskPath(string taskId, string? child = null) =>
        $"{TasksPath}/{Uri.EscapeDataString(taskId)}" + (child is null ? "" : "/" + child);

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, object? body, string operation, CancellationToken cancellationToken,
        bool anonymous = false)
        where T : class
    {
        var result = await SendOnceOrRenewedAsync<T>(method, path, body, operation, cancellationToken, anonymous);
        if (!anonymous && result.Error?.Kind == ApiErrorKind.Unauthorized)
        {
            tokens.RedirectToSignIn();
        }

        return result;
    }

    private async Task<ApiResult<T>> SendOnceOrRenewedAsync<T>(HttpMethod method, string path, object? body, string operation, CancellationToken cancellationToken,
        bool anonymous)
        where T : class
    {
        string? accessToken = null;
        if (!anonymous)
        {
            var token = await tokens.GetAccessTokenAsync(cancellationToken);
            if (!token.IsSuccess)
            {
                return token.Error with { Operation = operation };
            }

            accessToken = token.Value;
        }

        var (result, unauthorized) = await SendWithTokenAsync<T>(method, path, body, operation, accessToken, cancellationToken);
        if (!unauthorized || accessToken is null)
        {
            return result;
        }

        var renewed = await tokens.RefreshAsync(accessToken, cancellationToken);
        if (!renewed.IsSuccess)
        {
            return renewed.Error with { Operation = operation };
        }

        (result, _) = await SendWithTokenAsync<T>(method, path, body, operation, renewed.Value, cancellationToken);
        return result;
    }

    private async Task<(ApiResult<T> Result, bool Unauthorized)> SendWithTokenAsync<T>(HttpMethod method, string path, object? body, string operation,
        string? accessToken, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body, body.GetType(), options: JsonDefaults.Options);
            }

            if (accessToken is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            }

            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var error = await ApiError.FromResponseAsync(operation, response, cancellationToken);
                logger.Log(error.IsTransient ? LogLevel.Warning : LogLevel.Debug,
                    "{Method} {Path} failed with {Status}: {Title}", method, path, error.StatusCode, error.Title);
                return (error, response.StatusCode == HttpStatusCode.Unauthorized);
            }

            var value = await response.Content.ReadFromJsonAsync<T>(JsonDefaults.Options, cancellationToken);
            return (value is null ? ApiError.InvalidResponse(operation, (int)response.StatusCode, "The response was empty.") : value, false);
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "{Method} {Path}: the API is not reachable", method, path);
            return (ApiError.Unreachable(operation, ex.Message), false);
        }
        catch (BrokenCircuitException ex)
        {
            logger.LogWarning(ex, "{Method} {Path}: calls to the API are paused after repeated failures", method, path);
            return (ApiError.Unreachable(operation, "Calls to the API are paused for a few seconds after repeated failures."), false);
        }
        catch (TimeoutRejectedException)
        {
            return (ApiError.TimedOut(operation), false);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (ApiError.TimedOut(operation), false);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            logger.LogError(ex, "{Method} {Path}: the response could not be read", method, path);
            return (ApiError.InvalidResponse(operation, null, ex.Message), false);
        }
    }
}

/// <summary>Query of GET /api/v1/tasks.</summary>
public sealed record TaskListQuery(int Page = 1, int Limit = 20, string? Status = null, string Sort = "created_at", string Order = "desc",
    string? Search = null)
{
    public string ToQueryString()
    {
        var query = new Dictionary<string, string?>
        {
            ["page"] = Page.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["status"] = string.IsNullOrEmpty(Status) ? null : Status,
            ["sort"] = Sort,
            ["order"] = Order,
            ["q"] = string.IsNullOrWhiteSpace(Search) ? null : Search.Trim(),
        };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("", query);
    }
}
