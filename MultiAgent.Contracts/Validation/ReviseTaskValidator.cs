using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Messages;

namespace MultiAgent.Contracts.Validation;

/// <summary>A revision request that passed validation: trimmed, defaults applied.</summary>
/// <param name="Scope">The scope the user chose; null lets the manager decide.</param>
/// <param name="SubtaskIds">With <see cref="RevisionScope.SpecificSubtasks"/>: the chosen subtasks (distinct); otherwise empty.</param>
public sealed record RevisionSubmission(string RevisionRequest, IReadOnlyList<string> SpecificAreas, string Priority,
    RevisionScope? Scope, IReadOnlyList<string> SubtaskIds);

/// <summary>The rules of POST /api/v1/tasks/{id}/revise.</summary>
public static class ReviseTaskValidator
{
    public const int RequestMinLength = 10;
    public const int RequestMaxLength = 5_000;
    public const int SpecificAreasMaxCount = 20;
    public const int SpecificAreaMaxLength = 200;
    public const int SubtaskIdsMaxCount = 50;

    public static Validated<RevisionSubmission> Validate(ReviseTaskRequest request)
    {
        var errors = new ValidationErrors();

        var text = request.RevisionRequest?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            errors.Add("revision_request", "Revision request is required.");
        }
        else if (text.Length < RequestMinLength)
        {
            errors.Add("revision_request", $"Revision request must be at least {RequestMinLength} characters (it has {text.Length}).");
        }
        else if (text.Length > RequestMaxLength)
        {
            errors.Add("revision_request", $"Revision request must be at most {RequestMaxLength:N0} characters (it has {text.Length:N0}).");
        }

        var areas = new List<string>();
        if (request.SpecificAreas is { } requested)
        {
            if (requested.Count > SpecificAreasMaxCount)
            {
                errors.Add("specific_areas", $"Specific areas may list at most {SpecificAreasMaxCount} items (it has {requested.Count}).");
            }
            else
            {
                for (var i = 0; i < requested.Count; i++)
                {
                    var area = requested[i]?.Trim();
                    if (string.IsNullOrEmpty(area))
                    {
                        errors.Add("specific_areas", $"Specific area {i} must be a non-empty string.");
                    }
                    else if (area.Length > SpecificAreaMaxLength)
                    {
                        errors.Add("specific_areas", $"Specific area {i} must be at most {SpecificAreaMaxLength} characters.");
                    }
                    else
                    {
                        areas.Add(area);
                    }
                }
            }
        }

        var priority = request.Priority ?? Priorities.Medium;
        if (!Priorities.All.Contains(priority))
        {
            errors.Add("priority", CreateTaskValidator.PriorityRule);
        }

        var scope = RevisionScopes.Parse(request.Scope);
        if (request.Scope is not null && scope is null)
        {
            errors.Add("scope", $"Scope must be one of {string.Join(", ", RevisionScopes.All)}, or left out for the manager to decide.");
        }

        var subtaskIds = new List<string>();
        if (request.SubtaskIds is { Count: > 0 } ids)
        {
            if (scope != RevisionScope.SpecificSubtasks)
            {
                errors.Add("subtask_ids", $"Subtask ids are taken only with scope \"{RevisionScopes.Subtasks}\".");
            }
            else if (ids.Count > SubtaskIdsMaxCount)
            {
                errors.Add("subtask_ids", $"Subtask ids may list at most {SubtaskIdsMaxCount} items (it has {ids.Count}).");
            }
            else
            {
                for (var i = 0; i < ids.Count; i++)
                {
                    var id = ids[i]?.Trim();
                    if (string.IsNullOrEmpty(id))
                    {
                        errors.Add("subtask_ids", $"Subtask id {i} must be a non-empty string.");
                    }
                    else if (!subtaskIds.Contains(id))
                    {
                        subtaskIds.Add(id);
                    }
                }
            }
        }
        else if (scope == RevisionScope.SpecificSubtasks)
        {
            errors.Add("subtask_ids", $"Scope \"{RevisionScopes.Subtasks}\" needs the ids of the subtasks to redo.");
        }

        return errors.IsEmpty
            ? Validated<RevisionSubmission>.Valid(new RevisionSubmission(text!, areas, priority, scope, subtaskIds))
            : Validated<RevisionSubmission>.Invalid(errors);
    }
}
