using System.ClientModel;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Orchestrator.Agents;

/// <summary>
/// What every agent step has in common: it does nothing for a task that is already finished or cancelled; a failure that
/// may pass is retried by the endpoint's retry policy and announced to the saga (<see cref="AgentStepRetrying"/>, which
/// tells subscribers); a step that cannot succeed tells the saga (<see cref="AgentStepFailed"/>) instead of leaving the
/// task stuck. Steps write only their own output; the task's state is the saga's.
/// </summary>
public abstract class AgentStepConsumer<T>(MultiAgentDbContext db, ILogger logger) : IConsumer<T> where T : class, ITaskMessage
{
    protected abstract string StepName { get; }

    protected MultiAgentDbContext Db => db;

    public async Task Consume(ConsumeContext<T> context)
    {
        var taskId = context.Message.TaskId;
        var retry = context.GetServiceOrCreateInstance<IOptions<WorkflowOptions>>().Value.RetryIntervals;
        try
        {
            if (AgentTypeFor(context.Message) is { } agentType)
            {
                await using var activity = await context.GetServiceOrCreateInstance<AgentActivityTracker>()
                    .BeginAsync(agentType, taskId, context.CancellationToken);
                await ExecuteAsync(context);
            }
            else
            {
                await ExecuteAsync(context);
            }
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("{Step} for task {TaskId} stopped: the task was cancelled", StepName, taskId);
        }
        catch (Exception ex) when (IsPermanent(ex) || context.GetRetryAttempt() >= retry.Length)
        {
            var reason = Describe(ex, retry.Length);
            logger.LogError(ex, "{Step} for task {TaskId} failed for good: {Reason}", StepName, taskId, reason);
            await context.Publish(new AgentStepFailed(taskId, StepName, reason));
        }
        catch (Exception ex)
        {
            // Retried by the endpoint. Announced outside this message's outbox, which a failed attempt discards.
            var attempt = context.GetRetryAttempt();
            var delay = retry[Math.Min(attempt, retry.Length - 1)];
            logger.LogWarning("{Step} for task {TaskId} failed (attempt {Attempt} of {Max}), retrying in {Delay}: {Reason}",
                StepName, taskId, attempt + 1, retry.Length + 1, delay, ex.Message);
            try
            {
                await context.GetServiceOrCreateInstance<IBus>().Publish(
                    new AgentStepRetrying(taskId, StepName, Transient(ex), attempt + 1, (int)Math.Ceiling(delay.TotalSeconds)), CancellationToken.None);
            }
            catch (Exception announce)
            {
                logger.LogWarning(announce, "Could not announce the retry of {Step} for task {TaskId}", StepName, taskId);
            }
            throw;
        }
    }

    protected abstract Task ExecuteAsync(ConsumeContext<T> context);

    /// <summary>The agent doing this step, which is marked busy while it runs; null for bookkeeping steps.</summary>
    protected virtual string? AgentTypeFor(T message) => null;

    /// <summary>
    /// Reads the task, the revision in progress and the step's records (<see cref="AgentRecords.ReadStepAsync"/>); null when the
    /// task no longer runs (cancelled, failed, gone): the step then does nothing.
    /// </summary>
    protected async Task<StepRead?> ReadAsync(string taskId, IReadOnlyList<string> interactionIds, CancellationToken cancellationToken)
    {
        var read = await db.ReadStepAsync(taskId, interactionIds, cancellationToken);
        if (read is not null && !read.Task.Status.IsTerminal()) return read;
        logger.LogInformation("Skipping {Step} for task {TaskId}: the task is no longer running", StepName, taskId);
        return null;
    }

    /// <summary>Retrying helps only when the gateway says so (<c>x-should-retry</c>); without its word, by the status.</summary>
    private static bool IsPermanent(Exception ex) => ex switch
    {
        AgentOutputException => true,
        ClientResultException client when GatewayError.From(client) is { ShouldRetry: { } retry } => !retry,
        ClientResultException { Status: 400 or 401 or 402 or 403 or 404 or 422 } => true,
        _ => false,
    };

    private static string Transient(Exception ex) => ex switch
    {
        ClientResultException { Status: 429 } => "the model provider is rate-limiting requests",
        ClientResultException { Status: > 0 } c => $"the AI gateway answered HTTP {c.Status}",
        HttpRequestException or ClientResultException => "the AI gateway could not be reached",
        TimeoutException or TaskCanceledException => "the model did not answer in time",
        DbUpdateException => "the result could not be stored in the database",
        _ => $"unexpected error ({ex.GetType().Name})",
    };

    private static string Describe(Exception ex, int retries) => ex switch
    {
        AgentOutputException => ex.Message,
        ClientResultException { Status: 401 or 403 } =>
            "the AI gateway refused the credentials; check the AiGateway key configuration",
        ClientResultException { Status: 402 } c => $"budget exceeded: {GatewayError.From(c).Message ?? "the task's or the user's budget has no room left"}",
        ClientResultException c when GatewayError.From(c) is { ShouldRetry: false, Message: { } message } =>
            $"the AI gateway refused the call ({c.Status}): {message}",
        ClientResultException { Status: 429 } =>
            $"the model provider kept rate-limiting the requests after {retries} retries; try again later or raise the provider's limits",
        ClientResultException { Status: > 0 } c =>
            $"the AI gateway answered HTTP {c.Status} after {retries} retries; check the AiGateway logs and the model provider's status",
        HttpRequestException or ClientResultException =>
            $"the AI gateway could not be reached after {retries} retries; check that the aigateway service is running",
        TimeoutException or TaskCanceledException => $"the model did not answer in time after {retries} retries",
        DbUpdateException => $"the result could not be stored in the database after {retries} retries",
        _ => $"unexpected error after {retries} retries ({ex.GetType().Name})",
    };
}

/// <summary>Settings of the workflow's steps (section <c>Workflow</c>).</summary>
public sealed class WorkflowOptions
{
    public const string SectionName = "Workflow";

    /// <summary>Retry intervals for failures that may pass: the design document's 1, 2, 4, 8 and 16 seconds.</summary>
    public TimeSpan[] RetryIntervals { get; set; } =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16)];

    /// <summary>
    /// Messages each step type handles at once in one Orchestrator (configuration <c>Workflow:StepConcurrency</c>): how many
    /// model calls of that kind may be in flight. A step spends nearly all its time waiting on the model, so the default is
    /// sized for about a thousand tasks in flight rather than for the cores; the gateway's provider limits (429 → retried
    /// later) and the queues (backpressure, by priority) hold the rest. Lower it to spare a provider with tight limits.
    /// </summary>
    public int StepConcurrency { get; set; } = 256;

    /// <summary>
    /// How long a workflow may stay in one state without any change before its state's commands are sent again
    /// (configuration <c>Workflow:StallAfter</c>; zero turns the sweep off). Longer than a slow model call with its retries.
    /// </summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(3);
}

/// <summary>What the AiGateway said about a failed call: its <c>x-should-retry</c> header and its error's code and message.</summary>
public sealed record GatewayError(bool? ShouldRetry, string? Code, string? Message)
{
    public static GatewayError From(ClientResultException exception)
    {
        var response = exception.GetRawResponse();
        if (response is null) return new GatewayError(null, null, null);
        bool? retry = response.Headers.TryGetValue("x-should-retry", out var value) && bool.TryParse(value, out var parsed) ? parsed : null;
        try
        {
            using var body = System.Text.Json.JsonDocument.Parse(response.Content);
            var error = body.RootElement.TryGetProperty("error", out var e) ? e : default;
            return new GatewayError(retry,
                error.ValueKind == System.Text.Json.JsonValueKind.Object && error.TryGetProperty("code", out var code) ? code.GetString() : null,
                error.ValueKind == System.Text.Json.JsonValueKind.Object && error.TryGetProperty("message", out var message) ? message.GetString() : null);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            return new GatewayError(retry, null, null);
        }
    }
}
