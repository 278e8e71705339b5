using System.Text.Json;
using MultiAgent.Data.Entities;

namespace MultiAgent.Orchestrator.Workflow.Persistence;

/// <summary>Maps the saga instance to its row: the columns a person queries by, plus the rest as JSON.</summary>
internal static class WorkflowStateSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static TaskWorkflowState ToSaga(TaskWorkflowStateEntity row)
    {
        var saga = JsonSerializer.Deserialize<TaskWorkflowState>(row.Data, Options) ?? new TaskWorkflowState();
        saga.CorrelationId = row.CorrelationId;
        saga.CurrentState = row.CurrentState;
        saga.Version = row.Version;
        saga.TaskId = row.TaskId;
        return saga;
    }

    public static void CopyTo(TaskWorkflowState saga, TaskWorkflowStateEntity row)
    {
        row.CorrelationId = saga.CorrelationId;
        row.CurrentState = saga.CurrentState;
        row.Version = saga.Version;
        row.TaskId = saga.TaskId;
        row.Data = JsonSerializer.Serialize(saga, Options);
        row.UpdatedAt = DateTime.UtcNow;
    }
}
