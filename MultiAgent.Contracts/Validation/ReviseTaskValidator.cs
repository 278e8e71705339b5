using MultiAgent.Contracts.Api;

namespace MultiAgent.Contracts.Validation;

/// <summary>A revision request that passed validation: trimmed, defaults applied.</summary>
public sealed record RevisionSubmission(string RevisionRequest, IReadOnlyList<string> SpecificAreas, string Priority);

/// <summary>The rules of POST /api/v1/tasks/{id}/revise.</summary>
public static class ReviseTaskValidator
{
    public const int RequestMinLength = 10;
    public const int RequestMaxLength = 5_000;
    public const int SpecificAreasMaxCount = 20;
    public const int SpecificAreaMaxLength = 200;

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

        return errors.IsEmpty
            ? Validated<RevisionSubmission>.Valid(new RevisionSubmission(text!, areas, priority))
            : Validated<RevisionSubmission>.Invalid(errors);
    }
}
