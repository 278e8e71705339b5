using System.Net;
using System.Net.Http.Json;
using MultiAgent.Web.Services;

namespace MultiAgent.Tests.Web;

/// <summary>An error message says each thing once: a headline, what went wrong, what to do.</summary>
public class ApiErrorTests
{
    private static Task<ApiError> FromAsync(HttpStatusCode status, object body) =>
        ApiError.FromResponseAsync("create the task", new HttpResponseMessage(status)
        {
            Content = JsonContent.Create(body, mediaType: new System.Net.Http.Headers.MediaTypeHeaderValue("application/problem+json")),
        }, CancellationToken.None);

    [Fact]
    public async Task A_validation_error_leaves_the_details_to_the_fields_and_the_advice()
    {
        var error = await FromAsync(HttpStatusCode.BadRequest, new
        {
            title = "One or more validation errors occurred.",
            status = 400,
            detail = "Fix the fields listed in errors and send the request again.",
            errors = new Dictionary<string, string[]> { ["description"] = ["Description must be at least 20 characters (it has 5)."] },
        });

        Assert.Equal(ApiErrorKind.Validation, error.Kind);
        Assert.Equal("Could not create the task.", error.Headline);
        Assert.Null(error.Explanation);
        Assert.Null(error.ShownDetail);
        Assert.Equal("Correct the highlighted fields and submit again.", error.Advice);
    }

    [Fact]
    public async Task Other_errors_explain_once_and_keep_a_detail_that_adds_something()
    {
        var error = await FromAsync(HttpStatusCode.Conflict, new { title = "Task already finished", status = 409, detail = "Task is already completed and cannot be cancelled." });

        Assert.Equal("Task already finished.", error.Explanation);
        Assert.Equal("Task is already completed and cannot be cancelled.", error.ShownDetail);
        Assert.DoesNotContain("409", error.Explanation);
    }

    [Fact]
    public async Task A_detail_that_repeats_the_title_is_not_shown_twice()
    {
        var error = await FromAsync(HttpStatusCode.NotFound, new { title = "Task not found", status = 404, detail = "Task not found." });

        Assert.Equal("Task not found.", error.Explanation);
        Assert.Null(error.ShownDetail);
    }

    [Fact]
    public async Task A_403_asks_for_the_admin_role()
    {
        var error = await FromAsync(HttpStatusCode.Forbidden, new { title = "Forbidden", status = 403 });

        Assert.Equal(ApiErrorKind.Forbidden, error.Kind);
        Assert.Contains("admin role", error.Advice);
    }
}
