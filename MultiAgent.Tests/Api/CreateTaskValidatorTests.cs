using System.Text.Json;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Validation;

namespace MultiAgent.Tests.Api;

public class CreateTaskValidatorTests
{
    private const string ValidDescription = "Describe the Q4 market trends in enough detail.";

    private static CreateTaskRequest Request(string? title = "Analyze market trends", string? description = ValidDescription,
        string? priority = null, string? context = null, string? userId = null) =>
        new(title, description, priority, context is null ? null : JsonDocument.Parse(context).RootElement.Clone(), userId);

    private static IReadOnlyDictionary<string, string[]> Errors(CreateTaskRequest request) => CreateTaskValidator.Validate(request).Errors;

    [Fact]
    public void Valid_request_is_trimmed_and_defaults_to_medium_priority()
    {
        var result = CreateTaskValidator.Validate(Request(title: "  Analyze market trends  ", description: "  " + ValidDescription + "  "));

        Assert.True(result.IsValid);
        Assert.Equal("Analyze market trends", result.Value!.Title);
        Assert.Equal(ValidDescription, result.Value.Description);
        Assert.Equal("medium", result.Value.Priority);
        Assert.Null(result.Value.ContextJson);
    }

    [Fact]
    public void User_id_in_the_body_plays_no_part()
    {
        Assert.True(CreateTaskValidator.Validate(Request(userId: "not a valid id!")).IsValid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Title_is_required(string? title) => Assert.Contains("title", Errors(Request(title: title)).Keys);

    [Fact]
    public void Title_may_have_500_characters_but_not_501()
    {
        Assert.Empty(Errors(Request(title: new string('t', 500))));
        Assert.Equal(["title"], Errors(Request(title: new string('t', 501))).Keys);
        Assert.Empty(Errors(Request(title: " " + new string('t', 500) + " ")));
    }

    [Fact]
    public void Title_is_a_single_line() => Assert.Contains("title", Errors(Request(title: "first\nsecond")).Keys);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Description_is_required(string? description) =>
        Assert.Contains("description", Errors(Request(description: description)).Keys);

    [Fact]
    public void Description_needs_20_characters_after_trimming()
    {
        Assert.Empty(Errors(Request(description: new string('d', 20))));
        var errors = Errors(Request(description: "  " + new string('d', 19) + "   "));
        Assert.Equal("Description must be at least 20 characters (it has 19).", Assert.Single(errors["description"]));
    }

    [Fact]
    public void Description_may_have_10000_characters_but_not_10001()
    {
        Assert.Empty(Errors(Request(description: new string('d', 10_000))));
        Assert.Contains("description", Errors(Request(description: new string('d', 10_001))).Keys);
    }

    [Theory]
    [InlineData("low")]
    [InlineData("medium")]
    [InlineData("high")]
    [InlineData("urgent")]
    public void Known_priorities_are_accepted(string priority) =>
        Assert.Equal(priority, CreateTaskValidator.Validate(Request(priority: priority)).Value!.Priority);

    [Theory]
    [InlineData("")]
    [InlineData("High")]
    [InlineData("critical")]
    public void Other_priorities_are_rejected(string priority) =>
        Assert.Equal(["priority"], Errors(Request(priority: priority)).Keys);

    [Fact]
    public void Every_invalid_field_is_reported_at_once()
    {
        var errors = Errors(Request(title: "", description: "short", priority: "x", context: "[]"));
        Assert.Equal(["context", "description", "priority", "title"], errors.Keys.Order());
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{}")]
    public void Context_is_optional(string context) => Assert.Empty(Errors(Request(context: context)));

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"domain\":\"finance\"}]")]
    [InlineData("\"finance\"")]
    [InlineData("42")]
    [InlineData("true")]
    public void Context_must_be_an_object(string context) =>
        Assert.Equal(["context"], Errors(Request(context: context)).Keys);

    [Fact]
    public void Context_may_serialize_to_16_KB_but_not_one_byte_more()
    {
        // {"blob":"…"} is 11 bytes plus the value.
        var atLimit = JsonSerializer.Serialize(new { blob = new string('x', 16_384 - 11) });
        var overLimit = JsonSerializer.Serialize(new { blob = new string('x', 16_384 - 10) });

        Assert.Empty(Errors(Request(context: atLimit)));
        var error = Assert.Single(Errors(Request(context: overLimit))["context"]);
        Assert.Contains("16 KB", error);
    }

    [Fact]
    public void Context_size_is_measured_compactly_without_escaping_non_ascii()
    {
        // 5,000 three-byte characters: 15,000 bytes as UTF-8, but 30,000 if escaped as \uXXXX.
        var context = "{ \"domain\" : \"finance\", \"note\" : \"" + new string('€', 5_000) + "\" }";
        var result = CreateTaskValidator.Validate(Request(context: context));

        Assert.True(result.IsValid);
        Assert.StartsWith("{\"domain\":\"finance\",\"note\":\"€", result.Value!.ContextJson);
    }

    [Fact]
    public void Seed_context_is_accepted_and_kept()
    {
        const string context = """{"domain":"finance","deadline":"2024-12-31","constraints":["use recent data only"],"extra":{"any":1}}""";
        Assert.Equal(context, CreateTaskValidator.Validate(Request(context: context)).Value!.ContextJson);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("5")]
    [InlineData("[\"finance\"]")]
    public void Context_domain_must_be_a_non_empty_string(string domain) =>
        Assert.Equal(["context.domain"], Errors(Request(context: $$"""{"domain":{{domain}}}""")).Keys);

    [Fact]
    public void Context_domain_may_have_100_characters_but_not_101()
    {
        Assert.Empty(Errors(Request(context: $$"""{"domain":"{{new string('d', 100)}}"}""")));
        Assert.Equal(["context.domain"], Errors(Request(context: $$"""{"domain":"{{new string('d', 101)}}"}""")).Keys);
    }

    [Theory]
    [InlineData("2024-12-31")]
    [InlineData("2024-12-31T17:00:00Z")]
    [InlineData("2024-12-31T17:00:00+02:00")]
    public void Context_deadline_accepts_iso_dates(string deadline) =>
        Assert.Empty(Errors(Request(context: $$"""{"deadline":"{{deadline}}"}""")));

    [Theory]
    [InlineData("\"31/12/2024\"")]
    [InlineData("\"2024-13-01\"")]
    [InlineData("\"tomorrow\"")]
    [InlineData("20241231")]
    public void Context_deadline_rejects_anything_else(string deadline) =>
        Assert.Equal(["context.deadline"], Errors(Request(context: $$"""{"deadline":{{deadline}}}""")).Keys);

    [Theory]
    [InlineData("\"use recent data\"")]
    [InlineData("[1]")]
    [InlineData("[\"ok\", \"\"]")]
    [InlineData("[\"ok\", null]")]
    public void Context_constraints_must_be_an_array_of_strings(string constraints) =>
        Assert.Equal(["context.constraints"], Errors(Request(context: $$"""{"constraints":{{constraints}}}""")).Keys);

    [Fact]
    public void Context_constraints_may_list_50_items_but_not_51()
    {
        string Constraints(int count) => JsonSerializer.Serialize(new { constraints = Enumerable.Repeat("c", count) });
        Assert.Empty(Errors(Request(context: Constraints(50))));
        Assert.Equal(["context.constraints"], Errors(Request(context: Constraints(51))).Keys);
    }

    [Fact]
    public void Context_fields_set_to_null_count_as_absent() =>
        Assert.Empty(Errors(Request(context: """{"domain":null,"deadline":null,"constraints":null}""")));
}
