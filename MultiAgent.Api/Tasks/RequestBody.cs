using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using MultiAgent.Api.Apis;
using MultiAgent.Contracts.Validation;

namespace MultiAgent.Api.Tasks;

/// <summary>
/// Reads a JSON request body with a size cap. Read by hand rather than bound by the framework so that a malformed,
/// oversized or mistyped body gets a problem response naming the fault instead of an empty 400.
/// </summary>
public static class RequestBody
{
    public const int MaxBytes = 64 * 1024;

    public readonly record struct Read<T>(T? Value, ProblemHttpResult? Problem) where T : class;

    public static async Task<Read<T>> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        if (request.ContentType is { Length: > 0 } contentType
            && !(MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
                && (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                    || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))))
        {
            return new(null, TypedResults.Problem(
                title: "Unsupported media type",
                detail: "Send the request body as application/json.",
                statusCode: StatusCodes.Status415UnsupportedMediaType));
        }

        if (request.ContentLength > MaxBytes)
        {
            return new(null, TooLarge());
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var read = await request.Body.ReadAsync(buffer.GetMemory(4096), cancellationToken);
            if (read == 0)
            {
                break;
            }
            buffer.Advance(read);
            if (buffer.WrittenCount > MaxBytes)
            {
                return new(null, TooLarge());
            }
        }

        if (JsonRequestBody.TryParse<T>(buffer.WrittenMemory, out var value, out var error))
        {
            return new(value, null);
        }

        return new(null, error.Errors.Count == 0
            ? Problems.BadRequest(error.Title, error.Detail)
            : TypedResults.Problem(new HttpValidationProblemDetails(error.Errors.ToDictionary())
            {
                Title = error.Title,
                Detail = error.Detail,
                Status = StatusCodes.Status400BadRequest,
            }));
    }

    private static ProblemHttpResult TooLarge() =>
        Problems.BadRequest("Request body too large", $"The request body must be at most {MaxBytes / 1024} KB.");
}
