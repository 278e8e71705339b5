using System.Net.Mail;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Api.Auth;
using MultiAgent.Api.Tasks;
using MultiAgent.Contracts.Api;
using MultiAgent.Contracts.Validation;
using MultiAgent.Data;
using MultiAgent.Data.Identity;
using Npgsql;

namespace MultiAgent.Api.Apis;

/// <summary>
/// Sign-up, sign-in, refresh and sign-out (design document, "Authentication &amp; Authorization"). Request bodies are
/// read by hand and never logged: they carry passwords and tokens.
/// </summary>
public static class AuthApi
{
    private const int MaxEmailLength = 256;
    private const int MaxPasswordLength = 256;
    private const int MaxDisplayNameLength = 100;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/auth")
            .WithTags("Authentication")
            .ProducesValidationProblem();

        api.MapPost("/register", Register)
            .WithName("Register")
            .WithSummary("Sign up with an email and a password")
            .Accepts<RegisterRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .AllowAnonymous();
        api.MapPost("/token", Token)
            .WithName("Token")
            .WithSummary("Sign in: an access token (15 minutes) and a refresh token (7 days)")
            .Accepts<TokenRequest>("application/json")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .AllowAnonymous();
        api.MapPost("/refresh", Refresh)
            .WithName("RefreshToken")
            .WithSummary("Trade a refresh token for a new pair; the old one stops working")
            .Accepts<RefreshTokenRequest>("application/json")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .AllowAnonymous();
        api.MapPost("/logout", Logout)
            .WithName("Logout")
            .WithSummary("Sign out: revoke this access token and its refresh tokens")
            .RequireAuthorization();

        return app;
    }

    public static async Task<Results<Created<RegisterResponse>, ValidationProblem, ProblemHttpResult>> Register(
        HttpContext httpContext, UserManager<ApplicationUser> users, MultiAgentDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<RegisterRequest>(httpContext.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var request = body.Value!;
        var errors = new ValidationErrors();
        var email = ValidateEmail(request.Email, errors);
        ValidatePasswordPresent(request.Password, errors);
        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? null : request.DisplayName.Trim();
        if (displayName is { Length: > MaxDisplayNameLength })
        {
            errors.Add("display_name", $"Display name must be at most {MaxDisplayNameLength} characters.");
        }
        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        var user = new ApplicationUser
        {
            UserName = email,
            Email = email,
            DisplayName = displayName,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };

        IdentityResult result;
        try
        {
            // The user and their role commit together: no user without a role.
            result = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var created = await users.CreateAsync(user, request.Password!);
                if (!created.Succeeded)
                {
                    return created;
                }
                var role = await users.AddToRoleAsync(user, RoleNames.User);
                if (role.Succeeded)
                {
                    await transaction.CommitAsync(cancellationToken);
                }
                return role;
            });
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return DuplicateEmail();
        }

        if (!result.Succeeded)
        {
            if (result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName)))
            {
                return DuplicateEmail();
            }

            var identityErrors = new ValidationErrors();
            foreach (var error in result.Errors)
            {
                identityErrors.Add(error.Code.StartsWith("Password", StringComparison.Ordinal) ? "password" : "email", error.Description);
            }
            return Problems.Validation(identityErrors.ToDictionary(), "The account was not created: fix the fields listed in errors.");
        }

        return TypedResults.Created($"/api/v1/users/{user.Id}", new RegisterResponse(user.Id, email!, displayName));
    }

    public static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> Token(
        HttpContext httpContext, UserManager<ApplicationUser> users, IPasswordHasher<ApplicationUser> hasher, TokenService tokens,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<TokenRequest>(httpContext.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var request = body.Value!;
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            errors.Add("email", "Email is required.");
        }
        ValidatePasswordPresent(request.Password, errors);
        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        var user = request.Email!.Length <= MaxEmailLength ? await users.FindByEmailAsync(request.Email.Trim()) : null;
        if (user is null)
        {
            // Spend the time a password check takes, so an unknown email cannot be told from a wrong password.
            hasher.VerifyHashedPassword(DummyUser, DummyHash.Value, request.Password!);
            return InvalidCredentials();
        }

        if (await users.IsLockedOutAsync(user))
        {
            return InvalidCredentials();
        }

        if (!await users.CheckPasswordAsync(user, request.Password!))
        {
            await users.AccessFailedAsync(user);
            return InvalidCredentials();
        }

        if (await users.GetAccessFailedCountAsync(user) > 0)
        {
            await users.ResetAccessFailedCountAsync(user);
        }

        return TypedResults.Ok(await tokens.IssueAsync(user, await users.GetRolesAsync(user), cancellationToken));
    }

    public static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> Refresh(
        HttpContext httpContext, UserManager<ApplicationUser> users, TokenService tokens, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<RefreshTokenRequest>(httpContext.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (string.IsNullOrWhiteSpace(body.Value!.RefreshToken))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["refresh_token"] = ["Refresh token is required."] });
        }

        var rotation = body.Value.RefreshToken.Length <= 512
            ? await tokens.SpendAsync(body.Value.RefreshToken, cancellationToken)
            : new TokenService.Rotation(RefreshTokenVerdict.Unknown, null, null, null);
        if (rotation.Verdict != RefreshTokenVerdict.Rotate)
        {
            return InvalidRefreshToken();
        }

        var user = await users.FindByIdAsync(rotation.UserId!);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            await tokens.RevokeFamilyAsync(rotation.FamilyId!, CancellationToken.None);
            return InvalidRefreshToken();
        }

        return TypedResults.Ok(await tokens.IssueAsync(user, await users.GetRolesAsync(user), rotation.FamilyId!, rotation.TokenId, cancellationToken));
    }

    public static async Task<NoContent> Logout(
        ClaimsPrincipal principal, TokenService tokens, TokenRevocations revocations, TimeProvider time, ILoggerFactory loggers)
    {
        if (principal.FindFirstValue(AuthClaims.Session) is { } familyId)
        {
            await tokens.RevokeFamilyAsync(familyId, CancellationToken.None);
        }

        if (principal.FindFirstValue(AuthClaims.TokenId) is { } jti
            && long.TryParse(principal.FindFirstValue(AuthClaims.Expires), out var expires))
        {
            try
            {
                await revocations.RevokeAsync(jti, DateTimeOffset.FromUnixTimeSeconds(expires), time.GetUtcNow());
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                loggers.CreateLogger(typeof(AuthApi)).LogWarning(
                    "Could not put the access token on the revocation list ({Reason}); it stays valid until it expires", ex.GetType().Name);
            }
        }

        return TypedResults.NoContent();
    }

    private static string? ValidateEmail(string? value, ValidationErrors errors)
    {
        var email = value?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            errors.Add("email", "Email is required.");
            return null;
        }
        if (email.Length > MaxEmailLength || !MailAddress.TryCreate(email, out var address) || address.Address != email || !email.Contains('.', StringComparison.Ordinal))
        {
            errors.Add("email", "Email must be a valid email address such as name@example.com.");
            return null;
        }
        return email;
    }

    private static void ValidatePasswordPresent(string? password, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(password))
        {
            errors.Add("password", "Password is required.");
        }
        else if (password.Length > MaxPasswordLength)
        {
            errors.Add("password", $"Password must be at most {MaxPasswordLength} characters.");
        }
    }

    private static ProblemHttpResult DuplicateEmail() =>
        Problems.Conflict("Email already registered", "An account with this email already exists. Sign in, or register with another email.");

    private static ProblemHttpResult InvalidCredentials() => TypedResults.Problem(
        title: "Invalid credentials",
        detail: "The email or password is incorrect.",
        statusCode: StatusCodes.Status401Unauthorized);

    private static ProblemHttpResult InvalidRefreshToken() => TypedResults.Problem(
        title: "Invalid refresh token",
        detail: "The refresh token is unknown, expired or already used. Sign in again.",
        statusCode: StatusCodes.Status401Unauthorized);

    private static readonly ApplicationUser DummyUser = new();
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<ApplicationUser>().HashPassword(DummyUser, Guid.NewGuid().ToString()));
}
