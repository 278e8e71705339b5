using MultiAgent.Api.Tasks;
using MultiAgent.Contracts.Validation;

namespace MultiAgent.Tests.Api;

/// <summary>GET /api/v1/tasks?q=: words in the title, taken literally.</summary>
public class TaskListSearchTests
{
    [Theory]
    [InlineData("roadmap", "roadmap")]
    [InlineData("50%_off", @"50\%\_off")]
    [InlineData(@"a\b", @"a\\b")]
    public void Wildcards_in_the_search_match_only_themselves(string text, string pattern) =>
        Assert.Equal(pattern, TaskListSearch.LiteralPattern(text));

    [Fact]
    public void The_search_is_trimmed_and_optional()
    {
        Assert.Null(TaskListQueryValidator.Validate(null, null, null, null, null, null, "  ").Value!.Search);
        Assert.Equal("Q4 plan", TaskListQueryValidator.Validate(null, null, null, null, null, null, " Q4 plan ").Value!.Search);
    }

    [Fact]
    public void A_search_longer_than_200_characters_or_with_control_characters_is_refused()
    {
        Assert.Equal(["q"], TaskListQueryValidator.Validate(null, null, null, null, null, null, new string('a', 201)).Errors.Keys);
        Assert.Equal(["q"], TaskListQueryValidator.Validate(null, null, null, null, null, null, "two\nlines").Errors.Keys);
    }
}
