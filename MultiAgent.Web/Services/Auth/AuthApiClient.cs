using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultiAgent.Contracts;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace MultiAgent.Web.Services.Auth;

/// <summary>The Api's /api/v1/auth endpoints. Sends no bearer token of its own: it is how tokens are obtained.</summary>
public sealed class AuthApiClient(HttpClient http, ILogger<AuthApiClient> logger)
{
    public Task<ApiResult<RegisteredUser>> RegisterAsync(string email, string password, string? displayName, CancellationToken cancellationToken = default) =>
        SendAsync<RegisteredUser>("api/v1/auth/register", new RegisterRequest(email, password, string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim()),
            null, "create the account", cancellationToken);

    public Task<ApiResult<TokenPair>> SignInAsync(string email, string password, CancellationToken cancellationToken = default) =>
        SendAsync<TokenPair>("api/v1/auth/token", new TokenRequest(email, password), null, "sign in", cancellationToken);

    public Task<ApiResult<TokenPair>> RefreshAsync(string refreshToken, CancellationToken cancellationToken = default) =>
        SendAsync<TokenPair>("api/v1/auth/refresh", new RefreshRequest(refreshToken), null, "renew the session", cancellationToken);

    /// <summary>Revokes the session on the Api. Best effort: signing out of the Web never depends on it.</summary>
    public async Task LogoutAsync(string accessToken, CancellationToken cancellationToken = default)
    {
        var result = await SendAsync<object>("api/v1/auth/logout", null, accessToken, "sign out", cancellationToken, expectBody: false);
        if (!result.IsSuccess)
        {
            logger.LogInformation("Signing out on the API failed ({Status} {Title}); the Web session ends anyway", result.Error.StatusCode, result.Error.Title);
        }
    }

    private async Task<ApiResult<T>> SendAsync<T>(string path, object? body, string? bearer, string operation, CancellationToken cancellationToken, bool expectBody = true)
        where T : class
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body, body.GetType(), options: JsonDefaults.Options);
            }

            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return await ApiError.FromResponseAsync(operation, response, cancellationToken);
            }

            if (!expectBody)
            {
                return (T)(object)string.Empty;
            }

            var value = await response.Content.ReadFromJsonAsync<T>(JsonDefaults.Options, cancellationToken);
            return value is null ? ApiError.InvalidResponse(operation, (int)response.StatusCode, "The response was empty.") : value;
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "POST {Path}: the API is not reachable", path);
            return ApiError.Unreachable(operation, ex.Message);
        }
        catch (BrokenCircuitException)
        {
            return ApiError.Unreachable(operation, "Calls to the API are paused for a few seconds after repeated failures.");
        }
        catch (TimeoutRejectedException)
        {
            return ApiError.TimedOut(operation);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ApiError.TimedOut(operation);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            logger.LogError(ex, "POST {Path}: the response could not be read", path);
            return ApiError.InvalidResponse(operation, null, ex.Message);
        }
    }

    private sealed record RegisterRequest(string Email, string Password, string? DisplayName);

    private sealed record TokenRequest(string Email, string Password);

    private sealed record RefreshRequest(string RefreshToken);
}

/// <summary>201 of POST /api/v1/auth/register.</summary>
public sealed record RegisteredUser(string UserId, string Email, string? DisplayName);

/// <summary>200 of POST /api/v1/auth/token and /api/v1/auth/refresh.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken, string? TokenType, int ExpiresIn)
{
    [JsonIgnore]
    public bool IsComplete => !string.IsNullOrEmpty(AccessToken) && !string.IsNullOrEmpty(RefreshToken);
}
