using MultiAgent.Contracts;
using MultiAgent.Contracts.Validation;

namespace MultiAgent.Tests.Api;

public class TaskListQueryValidatorTests
{
    private static Validated<TaskListCriteria> Validate(string? status = null, string? userId = null, string? page = null,
        string? limit = null, string? sort = null, string? order = null) =>
        TaskListQueryValidator.Validate(status, userId, page, limit, sort, order);

    [Fact]
    public void Defaults_are_page_1_of_20_newest_first()
    {
        var criteria = Validate().Value!;
        Assert.Equal(new TaskListCriteria(null, null, 1, 20, "created_at", true), criteria);
    }

    [Fact]
    public void Empty_values_count_as_absent() =>
        Assert.Equal(new TaskListCriteria(null, null, 1, 20, "created_at", true), Validate("", " ", "", "", "", "").Value);

    [Fact]
    public void Every_status_of_the_schema_is_a_valid_filter()
    {
        foreach (var status in Enum.GetValues<TaskStatus>().Where(s => s != TaskStatus.InProgress))
        {
            Assert.Equal([status], Validate(status: status.Name()).Value!.Statuses);
        }
    }

    [Fact]
    public void In_progress_lists_every_running_status_the_metrics_count()
    {
        var statuses = Validate(status: "in_progress").Value!.Statuses!;
        Assert.Equal(
            [TaskStatus.InProgress, TaskStatus.ManagerReview, TaskStatus.Coordination, TaskStatus.Synthesis, TaskStatus.RevisionPending, TaskStatus.RevisionInProgress],
            statuses);
        Assert.All(statuses, s => Assert.True(s.IsInProgress()));
        Assert.DoesNotContain(TaskStatus.Pending, statuses);
        Assert.DoesNotContain(TaskStatus.Completed, statuses);
    }

    [Theory]
    [InlineData("done")]
    [InlineData("Completed")]
    public void Unknown_status_is_rejected(string status) => Assert.Equal(["status"], Validate(status: status).Errors.Keys);

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("abc")]
    [InlineData("99999999999")]
    public void Page_must_be_a_whole_number_from_1(string page) => Assert.Equal(["page"], Validate(page: page).Errors.Keys);

    [Fact]
    public void Page_may_be_any_positive_int() => Assert.Equal(int.MaxValue, Validate(page: "2147483647").Value!.Page);

    [Theory]
    [InlineData("1", 1)]
    [InlineData("100", 100)]
    public void Limit_may_be_1_to_100(string limit, int expected) => Assert.Equal(expected, Validate(limit: limit).Value!.Limit);

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("ten")]
    public void Limit_outside_1_to_100_is_rejected(string limit) => Assert.Equal(["limit"], Validate(limit: limit).Errors.Keys);

    [Theory]
    [InlineData("created_at")]
    [InlineData("updated_at")]
    [InlineData("priority")]
    public void Sort_fields_of_the_seed_are_accepted(string sort) => Assert.Equal(sort, Validate(sort: sort).Value!.Sort);

    [Theory]
    [InlineData("title")]
    [InlineData("CREATED_AT")]
    public void Other_sort_fields_are_rejected(string sort) => Assert.Equal(["sort"], Validate(sort: sort).Errors.Keys);

    [Theory]
    [InlineData("asc", false)]
    [InlineData("desc", true)]
    public void Order_is_asc_or_desc(string order, bool descending) => Assert.Equal(descending, Validate(order: order).Value!.Descending);

    [Fact]
    public void Other_orders_are_rejected() => Assert.Equal(["order"], Validate(order: "up").Errors.Keys);

    [Fact]
    public void User_id_filter_must_look_like_a_user_id()
    {
        Assert.Equal("user_123", Validate(userId: "user_123").Value!.UserId);
        Assert.Equal(["user_id"], Validate(userId: "user 123").Errors.Keys);
    }

    [Fact]
    public void Every_invalid_parameter_is_reported_at_once() =>
        Assert.Equal(["limit", "order", "page", "sort", "status", "user_id"],
            Validate("x", "a b", "0", "0", "x", "x").Errors.Keys.Order());
}
