using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.AI;
using static MultiAgent.Tests.AiGateway.SimulatedModelHarness;

namespace MultiAgent.Tests.AiGateway;

/// <summary>Whatever schema is requested, the simulated model's answer parses and validates against it.</summary>
public class SimulatedSchemaConformanceTests
{
    public enum Phase { Research, Build, Review }

    public enum Verdict { Accepted, Revise, Rejected }

    public record Step(
        string SubtaskId,
        string Title,
        [property: Description("What the step delivers")] string Description,
        string[] Dependencies,
        Phase Phase,
        int? EstimatedHours,
        [property: Range(0, 10)] double Score);

    public record Plan(
        string Summary,
        List<Step> Subtasks,
        Step? Primary,
        Step Secondary,
        [property: Range(0.0, 1.0)] double Confidence,
        bool Feasible,
        DateTimeOffset DueAt,
        Uri? Reference,
        [property: MinLength(2), MaxLength(4)] string[] Tags,
        Dictionary<string, int> Effort,
        Guid PlanId);

    public record Review(
        [property: Range(0, 10)] int Score,
        [property: Range(0.0, 1.0)] double Confidence,
        Verdict Verdict,
        bool Approved,
        string Feedback,
        [property: StringLength(40, MinimumLength = 5)] string Headline,
        IReadOnlyList<string> Strengths,
        IReadOnlyList<string>? Weaknesses);

    public record TreeNode(string Name, List<TreeNode>? Children);

    private static readonly JsonSerializerOptions SnakeCase = new(AIJsonUtilities.DefaultOptions)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static readonly Dictionary<string, Func<JsonElement>> Schemas = new()
    {
        // Generated from C# records, the way agents declare their answers.
        ["record:plan"] = () => AIJsonUtilities.CreateJsonSchema(typeof(Plan)),
        ["record:plan-snake-case"] = () => AIJsonUtilities.CreateJsonSchema(typeof(Plan), serializerOptions: SnakeCase),
        ["record:review"] = () => AIJsonUtilities.CreateJsonSchema(typeof(Review), serializerOptions: SnakeCase),
        ["record:tree"] = () => AIJsonUtilities.CreateJsonSchema(typeof(TreeNode)),
        ["format:review"] = () => ((ChatResponseFormatJson)ChatResponseFormat.ForJsonSchema<Review>(SnakeCase)).Schema!.Value,
        ["format:plan"] = () => ((ChatResponseFormatJson)ChatResponseFormat.ForJsonSchema<Plan>(SnakeCase)).Schema!.Value,

        // Hand-written, one feature family each.
        ["nested-objects"] = () => Schema("""
            {"type":"object","properties":{
              "project":{"type":"object","properties":{
                 "name":{"type":"string"},
                 "owner":{"type":"object","properties":{"email":{"type":"string","format":"email"},"homepage":{"type":"string","format":"uri"}},"required":["email","homepage"],"additionalProperties":false},
                 "started":{"type":"string","format":"date-time"},
                 "day":{"type":"string","format":"date"}},
               "required":["name","owner","started","day"],"additionalProperties":false}},
             "required":["project"],"additionalProperties":false}
            """),
        ["arrays-min-max"] = () => Schema("""
            {"type":"object","properties":{
              "exactly_three":{"type":"array","items":{"type":"string"},"minItems":3,"maxItems":3},
              "at_most_one":{"type":"array","items":{"type":"integer"},"maxItems":1},
              "none":{"type":"array","items":{"type":"string"},"maxItems":0},
              "many":{"type":"array","items":{"type":"number","minimum":1,"maximum":2},"minItems":7},
              "unique_enum":{"type":"array","items":{"enum":["a","b","c"]},"minItems":3,"uniqueItems":true},
              "unique_strings":{"type":"array","items":{"type":"string","maxLength":12},"minItems":5,"uniqueItems":true},
              "tuple":{"type":"array","prefixItems":[{"type":"integer"},{"type":"boolean"},{"const":"end"}],"items":false,"minItems":3}},
             "required":["exactly_three","at_most_one","none","many","unique_enum","unique_strings","tuple"]}
            """),
        ["enums-and-const"] = () => Schema("""
            {"type":"object","properties":{
              "color":{"enum":["red","green","blue"]},
              "level":{"type":"integer","enum":[1,2,3]},
              "mixed":{"enum":["x",2,null,true]},
              "fixed":{"const":{"version":2,"tags":["a"]}},
              "nullable_enum":{"type":["string","null"],"enum":["low","high",null]}},
             "required":["color","level","mixed","fixed","nullable_enum"],"additionalProperties":false}
            """),
        ["nullable-and-type-arrays"] = () => Schema("""
            {"type":"object","properties":{
              "maybe_text":{"type":["string","null"]},
              "maybe_number":{"type":["null","number"],"minimum":5,"maximum":6},
              "text_or_int":{"type":["integer","string"]},
              "only_null":{"type":"null"},
              "any_of":{"anyOf":[{"type":"null"},{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}]},
              "one_of":{"oneOf":[{"type":"integer","minimum":100},{"type":"string","maxLength":2}]}},
             "required":["maybe_text","maybe_number","text_or_int","only_null","any_of","one_of"],"additionalProperties":false}
            """),
        ["defs-and-ref"] = () => Schema("""
            {"$defs":{
               "person":{"type":"object","properties":{"name":{"type":"string"},"manager":{"$ref":"#/$defs/person_or_null"}},"required":["name","manager"],"additionalProperties":false},
               "person_or_null":{"anyOf":[{"$ref":"#/$defs/person"},{"type":"null"}]},
               "tag~name":{"type":"string","minLength":3,"maxLength":8}},
             "type":"object","properties":{
               "lead":{"$ref":"#/$defs/person"},
               "team":{"type":"array","items":{"$ref":"#/$defs/person"},"minItems":2},
               "label":{"$ref":"#/$defs/tag~0name"}},
             "required":["lead","team","label"],"additionalProperties":false}
            """),
        ["definitions-draft7"] = () => Schema("""
            {"$schema":"http://json-schema.org/draft-07/schema#",
             "definitions":{"risk":{"type":"object","properties":{"risk_id":{"type":"string"},"likelihood":{"type":"number","minimum":0,"maximum":1},"impact":{"enum":["low","medium","high"]}},"required":["risk_id","likelihood","impact"],"additionalProperties":false}},
             "type":"object","properties":{"risks":{"type":"array","items":{"$ref":"#/definitions/risk"},"minItems":2,"maxItems":4}},
             "required":["risks"],"additionalProperties":false}
            """),
        ["numeric-ranges"] = () => Schema("""
            {"type":"object","properties":{
              "score":{"type":"number","minimum":0,"maximum":10},
              "confidence":{"type":"number","minimum":0,"maximum":1},
              "exclusive":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1},
              "tight_integer":{"type":"integer","minimum":3,"maximum":3},
              "exclusive_integer":{"type":"integer","exclusiveMinimum":1,"exclusiveMaximum":3},
              "negative":{"type":"number","minimum":-20,"maximum":-10},
              "only_min":{"type":"integer","minimum":100},
              "only_max":{"type":"number","maximum":-1000},
              "step":{"type":"integer","minimum":0,"maximum":100,"multipleOf":5},
              "fine_step":{"type":"number","minimum":0,"maximum":1,"multipleOf":0.25},
              "tiny":{"type":"number","minimum":0.001,"maximum":0.002},
              "unbounded":{"type":"integer"}},
             "required":["score","confidence","exclusive","tight_integer","exclusive_integer","negative","only_min","only_max","step","fine_step","tiny","unbounded"],
             "additionalProperties":false}
            """),
        ["string-lengths-and-formats"] = () => Schema("""
            {"type":"object","properties":{
              "code":{"type":"string","minLength":3,"maxLength":5},
              "long_min":{"type":"string","minLength":400},
              "title":{"type":"string","maxLength":1},
              "uuid":{"type":"string","format":"uuid"},
              "when":{"type":"string","format":"date-time"},
              "time":{"type":"string","format":"time"},
              "site":{"type":"string","format":"uri"},
              "mail":{"type":"string","format":"email"},
              "host":{"type":"string","format":"hostname"},
              "ip":{"type":"string","format":"ipv4"}},
             "required":["code","long_min","title","uuid","when","time","site","mail","host","ip"],"additionalProperties":false}
            """),
        ["all-of-and-maps"] = () => Schema("""
            {"allOf":[
               {"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},
               {"properties":{"b":{"type":"integer","minimum":1,"maximum":3}},"required":["b"]}],
             "properties":{"scores":{"type":"object","additionalProperties":{"type":"number","minimum":0,"maximum":1},"minProperties":2},
                           "empty":{"type":"object","properties":{},"additionalProperties":false}},
             "required":["scores","empty"]}
            """),
        ["strict-mode-style"] = () => Schema("""
            {"type":"object","properties":{
              "analysis":{"type":"string"},
              "subtasks":{"type":"array","items":{"type":"object","properties":{
                  "subtask_id":{"type":"string"},"title":{"type":"string"},"description":{"type":"string"},
                  "depends_on":{"type":"array","items":{"type":"string"}},
                  "specialist_type":{"type":"string","enum":["financial_analyst","data_researcher","developer"]},
                  "priority":{"type":"integer","minimum":1,"maximum":5},
                  "notes":{"anyOf":[{"type":"string"},{"type":"null"}]}},
                "required":["subtask_id","title","description","depends_on","specialist_type","priority","notes"],"additionalProperties":false},
                "minItems":2,"maxItems":6}},
             "required":["analysis","subtasks"],"additionalProperties":false}
            """),
        ["root-array"] = () => Schema("""{"type":"array","items":{"type":"object","properties":{"id":{"type":"string"},"ok":{"type":"boolean"}},"required":["id","ok"]},"minItems":1}"""),
        ["root-string"] = () => Schema("""{"type":"string","maxLength":20}"""),
        ["empty-schema"] = () => Schema("{}"),
    };

    public static TheoryData<string> SchemaNames => new(Schemas.Keys);

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public async Task Answer_validates_against_the_requested_schema(string schemaName)
    {
        var schema = Schemas[schemaName]();
        foreach (var prompt in Prompts)
        {
            foreach (var temperature in new float?[] { null, 0.2f, 0.9f })
            {
                var answer = await AskJsonAsync(schema, prompt, temperature: temperature);
                AssertValid(schema, answer);
            }
        }
    }

    [Fact]
    public async Task Answers_validate_for_many_different_requests()
    {
        // Many seeds exercise the random choices (array sizes, enum picks, optional branches).
        foreach (var (name, factory) in Schemas)
        {
            var schema = factory();
            for (var seed = 0; seed < 25; seed++)
            {
                var answer = await AskJsonAsync(schema, Prompts[seed % Prompts.Length], seed: seed);
                AssertValid(schema, answer);
            }
        }
    }

    [Fact]
    public async Task Record_answers_deserialize_into_the_record()
    {
        var answer = await AskJsonAsync(AIJsonUtilities.CreateJsonSchema(typeof(Review), serializerOptions: SnakeCase), Prompts[0]);
        var review = JsonSerializer.Deserialize<Review>(answer, SnakeCase);

        Assert.NotNull(review);
        Assert.InRange(review.Score, 7, 10);
        Assert.InRange(review.Confidence, 0.7, 0.95);
        Assert.True(review.Approved);
        Assert.NotEmpty(review.Feedback);
        Assert.NotEmpty(review.Strengths);
    }

    [Fact]
    public async Task Long_text_properties_get_sentences_and_short_ones_a_few_words()
    {
        var schema = Schema("""{"type":"object","properties":{"summary":{"type":"string"},"title":{"type":"string"},"content":{"type":"string"}},"required":["summary","title","content"]}""");
        using var doc = JsonDocument.Parse(await AskJsonAsync(schema, Prompts[0]));

        var summary = doc.RootElement.GetProperty("summary").GetString()!;
        var title = doc.RootElement.GetProperty("title").GetString()!;
        var content = doc.RootElement.GetProperty("content").GetString()!;
        Assert.True(summary.Count(c => c == '.') >= 2, summary);
        Assert.True(content.Count(c => c == '.') >= 3, content);
        Assert.InRange(title.Split(' ').Length, 2, 6);
        Assert.DoesNotContain('.', title);
    }

    [Fact]
    public async Task Strings_are_sample_sentences_around_the_prompts_terms()
    {
        var schema = Schema("""{"type":"object","properties":{"summary":{"type":"string"},"sources":{"type":"array","items":{"type":"string"},"minItems":2}},"required":["summary","sources"]}""");
        const string prompt = "Quantify hydrogen electrolyser capacity expansion across Scandinavian industrial clusters";
        using var doc = JsonDocument.Parse(await AskJsonAsync(schema, prompt));

        var promptWords = prompt.Split(' ').Select(w => w.ToLowerInvariant()).ToHashSet();
        var summary = doc.RootElement.GetProperty("summary").GetString()!;
        var answerWords = System.Text.RegularExpressions.Regex.Matches(summary, @"[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*").Select(m => m.Value.ToLowerInvariant()).ToList();
        Assert.All(answerWords, w => Assert.True(promptWords.Contains(w) || MultiAgent.AiGateway.Simulated.PromptVocabulary.TemplateWords.Contains(w), $"'{w}' is neither from the prompt nor the sample templates"));
        Assert.Contains(answerWords, promptWords.Contains); // about the task
        Assert.All(summary.Split(". ", StringSplitOptions.RemoveEmptyEntries), sentence => Assert.True(char.IsUpper(sentence[0]), sentence));
        Assert.EndsWith(".", summary);

        // Sources are short reference-like strings, plainly simulated, never single words.
        Assert.All(doc.RootElement.GetProperty("sources").EnumerateArray().Select(e => e.GetString()!), source =>
        {
            Assert.StartsWith("Sample reference: ", source);
            Assert.EndsWith("(simulated)", source);
        });
    }

    [Fact]
    public async Task Prose_is_labelled_sample_text_in_whole_sentences()
    {
        var text = (await Client().GetResponseAsync(Messages("Plan a product launch for a solar-powered bike lamp in Lisbon."), cancellationToken: TestContext.Current.CancellationToken)).Text;

        Assert.StartsWith("(Simulated model) This is sample text", text);
        Assert.Contains("\u201Cplan a product launch", text, StringComparison.OrdinalIgnoreCase);
        var body = text[(text.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
        Assert.All(body.Split(['\n'], StringSplitOptions.RemoveEmptyEntries), paragraph => Assert.EndsWith(".", paragraph));
        var terms = new MultiAgent.AiGateway.Simulated.PromptVocabulary(["Plan a product launch for a solar-powered bike lamp in Lisbon."]).Terms;
        Assert.Equal(["plan", "product launch", "solar-powered bike lamp", "Lisbon"], terms);
        Assert.Contains(terms.Skip(1), t => body.Contains("\u201C" + t + "\u201D", StringComparison.Ordinal));
    }
}
