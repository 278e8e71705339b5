using System.Text;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Validation;

namespace MultiAgent.Tests.Api;

public class JsonRequestBodyTests
{
    private static (CreateTaskRequest? Value, JsonBodyError? Error) Parse(string body)
    {
        var ok = JsonRequestBody.TryParse<CreateTaskRequest>(Encoding.UTF8.GetBytes(body), out var value, out var error);
        Assert.Equal(ok, error is null);
        return (value, error);
    }

    [Fact]
    public void Snake_case_body_is_read()
    {
        var (value, _) = Parse("""{"title":"T","description":"D","priority":"high","context":{"domain":"finance"},"user_id":"user_123"}""");

        Assert.Equal("T", value!.Title);
        Assert.Equal("high", value.Priority);
        Assert.Equal("finance", value.Context!.Value.GetProperty("domain").GetString());
        Assert.Equal("user_123", value.UserId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \r\n ")]
    public void Missing_body_is_a_problem_without_field_errors(string body)
    {
        var (_, error) = Parse(body);
        Assert.Equal("Request body required", error!.Title);
        Assert.Empty(error.Errors);
    }

    [Theory]
    [InlineData("{\"title\":")]
    [InlineData("{title: 'x'}")]
    [InlineData("not json")]
    public void Malformed_json_is_reported_as_such(string body)
    {
        var (_, error) = Parse(body);
        Assert.Equal("Malformed JSON", error!.Title);
        Assert.StartsWith("The request body is not valid JSON", error.Detail);
        Assert.Empty(error.Errors);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"task\"")]
    [InlineData("null")]
    public void Body_must_be_an_object(string body) =>
        Assert.Equal("The request body must be a JSON object.", Parse(body).Error!.Detail);

    [Theory]
    [InlineData("""{"title":5}""", "title", "Expected a string.")]
    [InlineData("""{"description":{"a":1}}""", "description", "Expected a string.")]
    [InlineData("""{"priority":["high"]}""", "priority", "Expected a string.")]
    public void Wrong_json_type_names_the_field(string body, string field, string message) =>
        Assert.Equal(message, Assert.Single(Parse(body).Error!.Errors[field]));

    [Theory]
    [InlineData("""{"specific_areas":"one"}""")]
    [InlineData("""{"specific_areas":[1]}""")]
    public void Wrong_item_type_names_the_array_field(string body)
    {
        JsonRequestBody.TryParse<ReviseTaskRequest>(Encoding.UTF8.GetBytes(body), out _, out var error);
        Assert.Equal("Expected an array of strings.", Assert.Single(error!.Errors["specific_areas"]));
    }
}

public class UserIdsTests
{
    [Theory]
    [InlineData("user_dev")]
    [InlineData("a")]
    [InlineData("first.last@example-corp.com")]
    [InlineData("USER_123")]
    public void Valid_user_ids(string userId) => Assert.True(UserIds.IsValid(userId));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("user 1")]
    [InlineData("user/1")]
    [InlineData("üser")]
    [InlineData("user\n")]
    public void Invalid_user_ids(string? userId) => Assert.False(UserIds.IsValid(userId));

    [Fact]
    public void At_most_50_characters()
    {
        Assert.True(UserIds.IsValid(new string('u', 50)));
        Assert.False(UserIds.IsValid(new string('u', 51)));
    }
}
