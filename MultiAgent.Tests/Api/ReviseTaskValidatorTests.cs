using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Messages;
using MultiAgent.Contracts.Validation;

namespace MultiAgent.Tests.Api;

public class ReviseTaskValidatorTests
{
    private static IReadOnlyDictionary<string, string[]> Errors(string? text, IReadOnlyList<string>? areas = null, string? priority = null) =>
        ReviseTaskValidator.Validate(new ReviseTaskRequest(text, areas, priority)).Errors;

    [Fact]
    public void Seed_request_is_valid()
    {
        var result = ReviseTaskValidator.Validate(new ReviseTaskRequest(
            "Please include more data on sector performance", ["technology sector", "healthcare sector"], "high"));

        Assert.True(result.IsValid);
        Assert.Equal(["technology sector", "healthcare sector"], result.Value!.SpecificAreas);
        Assert.Equal("high", result.Value.Priority);
    }

    [Fact]
    public void Defaults_to_no_areas_and_medium_priority()
    {
        var result = ReviseTaskValidator.Validate(new ReviseTaskRequest("  Add more detail on X  ", null, null));

        Assert.Equal("Add more detail on X", result.Value!.RevisionRequest);
        Assert.Empty(result.Value.SpecificAreas);
        Assert.Equal("medium", result.Value.Priority);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("    ")]
    public void Revision_request_is_required(string? text) => Assert.Equal(["revision_request"], Errors(text).Keys);

    [Fact]
    public void Revision_request_needs_10_to_5000_characters()
    {
        Assert.Equal(["revision_request"], Errors(" " + new string('r', 9) + " ").Keys);
        Assert.Empty(Errors(new string('r', 10)));
        Assert.Empty(Errors(new string('r', 5_000)));
        Assert.Equal(["revision_request"], Errors(new string('r', 5_001)).Keys);
    }

    [Fact]
    public void Specific_areas_may_list_20_items_but_not_21()
    {
        Assert.Empty(Errors("Add more detail on X", Enumerable.Repeat("area", 20).ToList()));
        Assert.Equal(["specific_areas"], Errors("Add more detail on X", Enumerable.Repeat("area", 21).ToList()).Keys);
    }

    [Fact]
    public void Specific_areas_must_be_non_empty_and_at_most_200_characters()
    {
        Assert.Equal(["specific_areas"], Errors("Add more detail on X", ["ok", " "]).Keys);
        Assert.Equal(["specific_areas"], Errors("Add more detail on X", [null!]).Keys);
        Assert.Empty(Errors("Add more detail on X", [new string('a', 200)]));
        Assert.Equal(["specific_areas"], Errors("Add more detail on X", [new string('a', 201)]).Keys);
    }

    [Fact]
    public void Priority_must_be_known() => Assert.Equal(["priority"], Errors("Add more detail on X", null, "asap").Keys);

    [Theory]
    [InlineData("final_answer", RevisionScope.FinalAnswer)]
    [InlineData("whole_task", RevisionScope.FullTask)]
    public void A_chosen_scope_is_taken(string scope, RevisionScope expected)
    {
        var result = ReviseTaskValidator.Validate(new ReviseTaskRequest("Add more detail on X", null, null, scope));
        Assert.Equal(expected, result.Value!.Scope);
        Assert.Empty(result.Value.SubtaskIds);
    }

    [Fact]
    public void Without_a_scope_the_manager_decides() =>
        Assert.Null(ReviseTaskValidator.Validate(new ReviseTaskRequest("Add more detail on X", null, null)).Value!.Scope);

    [Fact]
    public void Chosen_subtasks_are_trimmed_and_taken_once()
    {
        var result = ReviseTaskValidator.Validate(new ReviseTaskRequest("Add more detail on X", null, null, "subtasks", [" s1 ", "s2", "s1"]));
        Assert.Equal(RevisionScope.SpecificSubtasks, result.Value!.Scope);
        Assert.Equal(["s1", "s2"], result.Value.SubtaskIds);
    }

    [Theory]
    [InlineData("everything")]
    [InlineData("SUBTASKS")]
    [InlineData("")]
    public void An_unknown_scope_is_refused(string scope) =>
        Assert.Equal(["scope"], ReviseTaskValidator.Validate(new ReviseTaskRequest("Add more detail on X", null, null, scope)).Errors.Keys);

    [Fact]
    public void Scope_subtasks_needs_subtask_ids_and_only_it_takes_them()
    {
        Assert.Equal(["subtask_ids"], ReviseTaskValidator.Validate(new ReviseTaskRequest("Add more detail on X", null, null, "subtasks")).Errors.Keys);
        Assert.Equal(["subtask_ids"], ReviseTaskValidator.Validate(new ReviseTaskRequest("Add more detail on X", null, null, "subtasks", [])).Errors.Keys);
        Assert.Equal(["subtask_ids"], ReviseTaskValidator.Validate(new ReviseTaskRequest("Add more detail on X", null, null, "subtasks", ["s1", " "])).Errors.Keys);
        Assert.Equal(["subtask_ids"], ReviseTaskValidator.Validate(new ReviseTaskRequest("Add more detail on X", null, null, "final_answer", ["s1"])).Errors.Keys);
        Assert.Equal(["subtask_ids"], ReviseTaskValidator.Validate(new ReviseTaskRequest("Add more detail on X", null, null, null, ["s1"])).Errors.Keys);
        Assert.Equal(["subtask_ids"], ReviseTaskValidator.Validate(new ReviseTaskRequest("Add more detail on X", null, null, "subtasks",
            [.. Enumerable.Range(0, ReviseTaskValidator.SubtaskIdsMaxCount + 1).Select(i => $"s{i}")])).Errors.Keys);
    }
}
