using MultiAgent.Contracts;
using MultiAgent.Contracts.Validation;

namespace MultiAgent.Tests.Api;

public class PagingAndSortingTests
{
    [Theory]
    [InlineData(0, 20, 0)]
    [InlineData(1, 20, 1)]
    [InlineData(20, 20, 1)]
    [InlineData(21, 20, 2)]
    [InlineData(150, 20, 8)]
    [InlineData(100, 1, 100)]
    [InlineData(int.MaxValue, 1, int.MaxValue)]
    [InlineData(int.MaxValue, 100, 21_474_837)]
    public void Pages_round_up_and_are_zero_without_items(int total, int limit, int pages) =>
        Assert.Equal(pages, Paging.Pages(total, limit));

    [Theory]
    [InlineData(1, 20, 0)]
    [InlineData(2, 20, 20)]
    [InlineData(8, 20, 140)]
    public void Offset_skips_the_earlier_pages(int page, int limit, long offset) => Assert.Equal(offset, Paging.Offset(page, limit));

    [Fact]
    public void Offset_of_a_far_page_does_not_overflow() =>
        Assert.Equal((long)(int.MaxValue - 1) * 100, Paging.Offset(int.MaxValue, 100));

    [Fact]
    public void Priority_ranks_low_below_medium_below_high_below_urgent()
    {
        var rank = PriorityOrder.Rank.Compile();
        string[] shuffled = ["high", "low", "urgent", "medium"];

        Assert.Equal(["low", "medium", "high", "urgent"], shuffled.OrderBy(rank));
        Assert.Equal(["urgent", "high", "medium", "low"], shuffled.OrderByDescending(rank));
    }

    [Fact]
    public void Priority_rank_expression_agrees_with_the_contract()
    {
        var rank = PriorityOrder.Rank.Compile();
        foreach (var priority in Priorities.All.Append("unknown"))
        {
            Assert.Equal(Priorities.Rank(priority), rank(priority));
        }
    }

    [Fact]
    public void Unknown_priority_ranks_as_medium() =>
        Assert.Equal(PriorityOrder.Rank.Compile()(Priorities.Medium), PriorityOrder.Rank.Compile()("whatever"));
}
