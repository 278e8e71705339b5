using System.Text.Json;
using Microsoft.Extensions.AI;
using MultiAgent.Orchestrator.Agents;
using MultiAgent.Orchestrator.Agents.Model;

namespace MultiAgent.Tests.Orchestrator;

public class AgentJsonTests
{
    [Fact]
    public void The_review_schema_is_snake_case_with_score_ranges()
    {
        var schema = AgentJson.SchemaFor<SolutionReviewAnswer>().GetRawText();
        Assert.Contains("\"revision_requests\"", schema);
        Assert.Contains("\"completeness\"", schema);
        Assert.Contains("\"maximum\":10", schema.Replace(" ", ""));
    }

    [Fact]
    public void Restricted_properties_get_an_enum_wherever_they_are()
    {
        var format = Assert.IsType<ChatResponseFormatJson>(AgentJson.ResponseFormatFor<DecompositionAnswer>(
            new Dictionary<string, IReadOnlyList<string>> { ["assigned_specialist"] = ["developer", "ux_designer"] }));
        var text = format.Schema!.Value.GetRawText();
        Assert.Contains("\"enum\":[\"developer\",\"ux_designer\"]", text.Replace(" ", ""));
    }

    [Fact]
    public void A_restricted_array_property_restricts_its_items()
    {
        var format = Assert.IsType<ChatResponseFormatJson>(AgentJson.ResponseFormatFor<TaskAnalysisAnswer>(
            new Dictionary<string, IReadOnlyList<string>> { ["required_capabilities"] = ["forecasting", "research"] }));
        var capabilities = format.Schema!.Value.GetProperty("properties").GetProperty("required_capabilities");
        Assert.Equal("array", capabilities.GetProperty("type").GetString());
        Assert.False(capabilities.TryGetProperty("enum", out _));
        Assert.Equal(["forecasting", "research"], capabilities.GetProperty("items").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void A_plan_must_have_between_two_and_eight_subtasks()
    {
        var subtasks = AgentJson.SchemaFor<DecompositionAnswer>().GetProperty("properties").GetProperty("subtasks");
        Assert.Equal(2, subtasks.GetProperty("minItems").GetInt32());
        Assert.Equal(8, subtasks.GetProperty("maxItems").GetInt32());
    }

    [Fact]
    public void An_answer_wrapped_in_a_markdown_fence_is_parsed()
    {
        const string text = "```json\n{\"approved\": true, \"score\": 8.5, \"feedback\": \"ok\", \"issues\": []}\n```";
        Assert.True(AgentJson.TryParse<FinalReviewAnswer>(text, out var answer, out _));
        Assert.Equal(8.5, answer!.Score);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"approved\": true}")]
    [InlineData("{\"approved\": true, \"score\": 8, \"feedback\": null, \"issues\": []}")]
    [InlineData("")]
    public void Malformed_or_incomplete_answers_are_refused_with_a_reason(string text)
    {
        Assert.False(AgentJson.TryParse<FinalReviewAnswer>(text, out _, out var problem));
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public void Enums_round_trip_in_snake_case()
    {
        var json = AgentJson.Serialize(new CrossReference("a", "b", Relationship.Contradicts));
        Assert.Equal("contradicts", JsonDocument.Parse(json).RootElement.GetProperty("relationship").GetString());
    }

    [Fact]
    public void The_options_are_read_only_with_their_resolver_so_parallel_steps_can_share_them()
    {
        // Schema generation sets a resolver on options that have none; two steps doing it at once threw. Fixed up front instead.
        Assert.True(AgentJson.Options.IsReadOnly);
        Assert.NotNull(AgentJson.Options.TypeInfoResolver);
        var schemas = Enumerable.Range(0, 16).AsParallel().Select(_ => AgentJson.SchemaFor<DecompositionAnswer>().GetRawText()).Distinct().ToList();
        Assert.Single(schemas);
    }
}
