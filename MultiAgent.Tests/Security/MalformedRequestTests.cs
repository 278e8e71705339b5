using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Tests.EndToEnd;

namespace MultiAgent.Tests.Security;

/// <summary>
/// A corpus of malformed requests — wrong types, missing fields, oversized bodies, bad JSON, unknown values, HTML and SQL
/// payloads — each answered 4xx with an RFC 9457 problem, and none of them writing anything.
/// </summary>
[Trait("Category", "AppHost")]
[Collection(PlatformCollection.Name)]
[Trait("Category", "AppHost")]
public class MalformedRequestTests(PlatformFixture platform)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Description = "A perfectly reasonable description of a task.";
    private const string UnknownTask = "task_0000000000000000000000000000dead";

    public static TheoryData<string, string, string, string?, string?> Corpus()
    {
        var data = new TheoryData<string, string, string, string?, string?>();
        void Add(string name, string method, string path, string? body, string? contentType = "application/json") =>
            data.Add(name, method, path, body, contentType);

        // POST /tasks: shape and types
        Add("empty object", "POST", "/api/v1/tasks", "{}");
        Add("array body", "POST", "/api/v1/tasks", "[]");
        Add("null body", "POST", "/api/v1/tasks", "null");
        Add("string body", "POST", "/api/v1/tasks", "\"make me a task\"");
        Add("number body", "POST", "/api/v1/tasks", "42");
        Add("empty body", "POST", "/api/v1/tasks", "");
        Add("title is a number", "POST", "/api/v1/tasks", $$"""{"title": 123, "description": "{{Description}}"}""");
        Add("title is an object", "POST", "/api/v1/tasks", $$"""{"title": {"a": 1}, "description": "{{Description}}"}""");
        Add("description is an array", "POST", "/api/v1/tasks", """{"title": "T", "description": ["a", "b"]}""");
        Add("missing title", "POST", "/api/v1/tasks", $$"""{"description": "{{Description}}"}""");
        Add("missing description", "POST", "/api/v1/tasks", """{"title": "A title"}""");
        Add("empty title", "POST", "/api/v1/tasks", $$"""{"title": "", "description": "{{Description}}"}""");
        Add("blank title", "POST", "/api/v1/tasks", $$"""{"title": "   ", "description": "{{Description}}"}""");
        Add("short description", "POST", "/api/v1/tasks", """{"title": "A title", "description": "too short"}""");
        Add("oversized title", "POST", "/api/v1/tasks", $$"""{"title": "{{new string('t', 501)}}", "description": "{{Description}}"}""");
        Add("oversized description", "POST", "/api/v1/tasks", $$"""{"title": "A title", "description": "{{new string('d', 10_001)}}"}""");
        Add("title with a control character", "POST", "/api/v1/tasks", $$"""{"title": "bad\u0000title", "description": "{{Description}}"}""");
        Add("unknown priority", "POST", "/api/v1/tasks", $$"""{"title": "T", "description": "{{Description}}", "priority": "whenever"}""");
        Add("priority is a number", "POST", "/api/v1/tasks", $$"""{"title": "T", "description": "{{Description}}", "priority": 5}""");
        Add("priority with HTML", "POST", "/api/v1/tasks", $$"""{"title": "T", "description": "{{Description}}", "priority": "<script>alert(1)</script>"}""");
        Add("priority with SQL", "POST", "/api/v1/tasks", $$"""{"title": "T", "description": "{{Description}}", "priority": "high'; DROP TABLE tasks; --"}""");
        Add("context is an array", "POST", "/api/v1/tasks", $$"""{"title": "T", "description": "{{Description}}", "context": [1, 2]}""");
        Add("context is a string", "POST", "/api/v1/tasks", $$"""{"title": "T", "description": "{{Description}}", "context": "finance"}""");
        Add("context is a number", "POST", "/api/v1/tasks", $$"""{"title": "T", "description": "{{Description}}", "context": 7}""");
        Add("deadline is not a date", "POST", "/api/v1/tasks", $$$"""{"title": "T", "description": "{{{Description}}}", "context": {"deadline": "next tuesday-ish"}}""");
        Add("constraints is not an array", "POST", "/api/v1/tasks", $$$"""{"title": "T", "description": "{{{Description}}}", "context": {"constraints": "none"}}""");
        Add("constraints are numbers", "POST", "/api/v1/tasks", $$$"""{"title": "T", "description": "{{{Description}}}", "context": {"constraints": [1, 2]}}""");
        Add("oversized context", "POST", "/api/v1/tasks", $$$"""{"title": "T", "description": "{{{Description}}}", "context": {"notes": "{{{new string('n', 17_000)}}}"}}""");
        Add("oversized body", "POST", "/api/v1/tasks", $$"""{"title": "T", "description": "{{new string('x', 70_000)}}"}""");
        Add("truncated JSON", "POST", "/api/v1/tasks", "{\"title\": ");
        Add("trailing garbage", "POST", "/api/v1/tasks", $$"""{"title": "T", "description": "{{Description}}"} trailing""");
        Add("single quotes", "POST", "/api/v1/tasks", "{'title': 'T', 'description': 'not JSON at all really'}");
        Add("not JSON content type", "POST", "/api/v1/tasks", $$"""{"title": "T", "description": "{{Description}}"}""", "text/plain");
        Add("form content type", "POST", "/api/v1/tasks", "title=T&description=whatever+you+like+here", "application/x-www-form-urlencoded");

        // GET /tasks: query parameters
        Add("page zero", "GET", "/api/v1/tasks?page=0", null);
        Add("negative page", "GET", "/api/v1/tasks?page=-1", null);
        Add("page not a number", "GET", "/api/v1/tasks?page=abc", null);
        Add("limit zero", "GET", "/api/v1/tasks?limit=0", null);
        Add("limit too large", "GET", "/api/v1/tasks?limit=1000", null);
        Add("sort with SQL", "GET", "/api/v1/tasks?sort=created_at%3B%20DROP%20TABLE%20tasks", null);
        Add("unknown order", "GET", "/api/v1/tasks?order=sideways", null);
        Add("status with HTML", "GET", "/api/v1/tasks?status=%3Cscript%3Ealert(1)%3C%2Fscript%3E", null);

        // Task ids
        Add("task id with SQL", "GET", "/api/v1/tasks/%27%20OR%201%3D1%20--", null);
        Add("task id with HTML", "DELETE", "/api/v1/tasks/task_%3Cscript%3E", null);
        Add("unknown task result", "GET", $"/api/v1/tasks/{UnknownTask}/result", null);
        Add("unknown task agents", "GET", $"/api/v1/tasks/{UnknownTask}/agents", null);
        Add("revise unknown task", "POST", $"/api/v1/tasks/{UnknownTask}/revise", """{"revision_request": "Please add more detail."}""");
        Add("revise with wrong types", "POST", $"/api/v1/tasks/{UnknownTask}/revise", """{"revision_request": 12, "specific_areas": "all"}""");
        Add("cancel unknown task", "DELETE", $"/api/v1/tasks/{UnknownTask}", null);

        // Wrong methods and routes
        Add("PUT on tasks", "PUT", "/api/v1/tasks", "{}");
        Add("unknown route", "GET", "/api/v1/tasks-and-more", null);
        return data;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Malformed_request_is_refused_with_a_problem_and_writes_nothing(string name, string method, string path, string? body, string? contentType)
    {
        using var api = await platform.CreateUserClientAsync();
        await using var db = await platform.CreateDbContextAsync();
        var tasksBefore = await db.Tasks.CountAsync(Ct);
        var revisionsBefore = await db.Revisions.CountAsync(Ct);

        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        using var response = await api.SendAsync(request, Ct);

        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{name}: {method} {path} answered {status}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("title").GetString()));
        if (status == (int)HttpStatusCode.BadRequest && method == "POST" && path == "/api/v1/tasks" && body is { Length: > 0 } && body.TrimStart().StartsWith('{'))
        {
            Assert.True(problem.RootElement.TryGetProperty("errors", out _) || problem.RootElement.TryGetProperty("detail", out _),
                $"{name}: a refused task says what is wrong");
        }

        Assert.Equal(tasksBefore, await db.Tasks.CountAsync(Ct));
        Assert.Equal(revisionsBefore, await db.Revisions.CountAsync(Ct));
    }
}
