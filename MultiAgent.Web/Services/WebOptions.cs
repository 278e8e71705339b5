using System.ComponentModel.DataAnnotations;

namespace MultiAgent.Web.Services;

public sealed class WebOptions
{
    public const string SectionName = "Web";

    /// <summary>The user the app acts as until sign-in lands.</summary>
    [Required]
    public string DevUserId { get; set; } = "user_dev";
}
