using Microsoft.AspNetCore.Identity;
using MultiAgent.Data.Identity;

namespace MultiAgent.MigrationService;

/// <summary>
/// Makes sure the admin account exists with the password of the AppHost's <c>admin-password</c> parameter
/// (<c>Auth:AdminPassword</c>, generated on first run; there is no default in code). Idempotent: a changed
/// parameter resets the password, a missing role is added back.
/// </summary>
public sealed class AdminSeeder(UserManager<ApplicationUser> users, IConfiguration configuration, TimeProvider time, ILogger<AdminSeeder> logger)
{
    public const string DefaultAdminEmail = "admin@multiagent.local";

    public async Task SeedAsync()
    {
        var email = configuration["Auth:AdminEmail"] is { Length: > 0 } configured ? configured : DefaultAdminEmail;
        if (configuration["Auth:AdminPassword"] is not { Length: > 0 } password)
        {
            logger.LogWarning("Auth:AdminPassword is not set: no admin account was seeded. Run from the AppHost (parameter admin-password).");
            return;
        }

        var admin = await users.FindByEmailAsync(email);
        if (admin is null)
        {
            admin = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Administrator", CreatedAt = time.GetUtcNow().UtcDateTime };
            Check(await users.CreateAsync(admin, password), "create the admin account");
            logger.LogInformation("Admin account {Email} created", email);
        }
        else if (!await users.CheckPasswordAsync(admin, password))
        {
            Check(await users.RemovePasswordAsync(admin), "reset the admin password");
            Check(await users.AddPasswordAsync(admin, password), "reset the admin password");
            logger.LogInformation("Admin account {Email}: password reset to the admin-password parameter", email);
        }

        foreach (var role in RoleNames.All)
        {
            if (!await users.IsInRoleAsync(admin, role))
            {
                Check(await users.AddToRoleAsync(admin, role), $"give the admin the {role} role");
            }
        }
    }

    private static void Check(IdentityResult result, string action)
    {
        if (!result.Succeeded)
        {
            // Identity's error descriptions name the rule broken, never the password.
            throw new InvalidOperationException($"Could not {action}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
