using System.Text.Json;
using static MultiAgent.Tests.AiGateway.SimulatedModelHarness;

namespace MultiAgent.Tests.AiGateway;

/// <summary>Id-aware plans: sequential ids, dependencies on earlier items only (acyclic), and the directive overrides.</summary>
public class SimulatedPlanTests
{
    private static readonly JsonElement PlanSchema = Schema("""
        {"type":"object","properties":{
          "subtasks":{"type":"array","minItems":3,"maxItems":8,"items":{"type":"object","properties":{
             "subtask_id":{"type":"string"},
             "title":{"type":"string"},
             "assigned_agent_id":{"type":"string"},
             "dependencies":{"type":"array","items":{"type":"string"}}},
           "required":["subtask_id","title","assigned_agent_id","dependencies"],"additionalProperties":false}}},
         "required":["subtasks"],"additionalProperties":false}
        """);

    private static readonly JsonElement CamelCasePlanSchema = Schema("""
        {"type":"object","properties":{
          "steps":{"type":"array","items":{"type":"object","properties":{
             "stepId":{"type":"string"},
             "dependsOn":{"type":"array","items":{"type":"string"}}},
           "required":["stepId","dependsOn"]}}},
         "required":["steps"]}
        """);

    private static List<(string Id, List<string> Deps)> Items(string answer, string arrayName, string idName, string depsName)
    {
        using var doc = JsonDocument.Parse(answer);
        return doc.RootElement.GetProperty(arrayName).EnumerateArray()
            .Select(i => (i.GetProperty(idName).GetString()!, i.GetProperty(depsName).EnumerateArray().Select(d => d.GetString()!).ToList()))
            .ToList();
    }

    private static bool HasCycle(List<(string Id, List<string> Deps)> items)
    {
        var graph = items.ToDictionary(i => i.Id, i => i.Deps);
        var state = new Dictionary<string, int>(); // 1 = visiting, 2 = done
        bool Visit(string id)
        {
            if (state.GetValueOrDefault(id) == 1) return true;
            if (state.GetValueOrDefault(id) == 2) return false;
            state[id] = 1;
            var cycle = graph.GetValueOrDefault(id, []).Any(Visit);
            state[id] = 2;
            return cycle;
        }
        return items.Any(i => Visit(i.Id));
    }

    [Fact]
    public async Task Plan_items_get_sequential_ids_and_the_last_depends_on_all_earlier()
    {
        var items = Items(await AskJsonAsync(PlanSchema, Prompts[0]), "subtasks", "subtask_id", "dependencies");

        Assert.Equal(3, items.Count); // minItems
        Assert.Equal(["st1", "st2", "st3"], items.Select(i => i.Id));
        Assert.Empty(items[0].Deps);
        Assert.Empty(items[1].Deps);
        Assert.Equal(["st1", "st2"], items[2].Deps);
    }

    [Fact]
    public async Task Dependencies_reference_only_earlier_existing_ids_and_are_acyclic_for_any_request()
    {
        foreach (var schema in new[] { PlanSchema, CamelCasePlanSchema })
        {
            var (array, id, deps) = schema.GetRawText() == PlanSchema.GetRawText()
                ? ("subtasks", "subtask_id", "dependencies")
                : ("steps", "stepId", "dependsOn");
            for (var seed = 0; seed < 30; seed++)
            {
                var answer = await AskJsonAsync(schema, Prompts[seed % Prompts.Length], seed: seed);
                AssertValid(schema, answer);
                var items = Items(answer, array, id, deps);

                Assert.Equal(items.Count, items.Select(i => i.Id).Distinct().Count());
                for (var i = 0; i < items.Count; i++)
                {
                    var earlier = items.Take(i).Select(x => x.Id).ToHashSet();
                    Assert.All(items[i].Deps, d => Assert.Contains(d, earlier));
                }
                Assert.False(HasCycle(items));
            }
        }
    }

    [Fact]
    public async Task Other_id_properties_of_plan_items_are_id_like_not_prose()
    {
        using var doc = JsonDocument.Parse(await AskJsonAsync(PlanSchema, Prompts[1]));
        var agentIds = doc.RootElement.GetProperty("subtasks").EnumerateArray().Select(i => i.GetProperty("assigned_agent_id").GetString()).ToList();
        Assert.Equal(["assigned_agent_1", "assigned_agent_2", "assigned_agent_3"], agentIds);
    }

    [Fact]
    public async Task Top_level_id_properties_echo_an_id_given_in_the_prompt()
    {
        var schema = Schema("""{"type":"object","properties":{"task_id":{"type":"string"},"summary":{"type":"string"}},"required":["task_id","summary"]}""");
        using var doc = JsonDocument.Parse(await AskJsonAsync(schema, "Task task_01jdx4k2 needs a task_description rewrite."));
        Assert.Equal("task_01jdx4k2", doc.RootElement.GetProperty("task_id").GetString());
    }

    [Fact]
    public async Task A_plan_without_a_minimum_in_its_schema_still_has_at_least_two_parts()
    {
        // OpenAI's strict structured-output mode drops minItems, so the schema reaching the model may not say it.
        foreach (var prompt in Prompts)
        {
            var items = Items(await AskJsonAsync(PlanSchema, prompt), "subtasks", "subtask_id", "dependencies");
            Assert.InRange(items.Count, 2, 4);
            Assert.False(HasCycle(items));
        }
    }
}
