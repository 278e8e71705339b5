using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using MultiAgent.Contracts;
using MultiAgent.Contracts.Messages;
using MultiAgent.Data.Entities;
using MultiAgent.Data.Identity;

namespace MultiAgent.Data;

public class MultiAgentDbContext(DbContextOptions<MultiAgentDbContext> options)
    : IdentityDbContext<ApplicationUser, IdentityRole, string>(options)
{
    public DbSet<TaskEntity> Tasks => Set<TaskEntity>();
    public DbSet<AgentEntity> Agents => Set<AgentEntity>();
    public DbSet<SubtaskEntity> Subtasks => Set<SubtaskEntity>();
    public DbSet<SolutionEntity> Solutions => Set<SolutionEntity>();
    public DbSet<InteractionEntity> Interactions => Set<InteractionEntity>();
    public DbSet<RevisionEntity> Revisions => Set<RevisionEntity>();
    public DbSet<AiApiUsageEntity> AiApiUsage => Set<AiApiUsageEntity>();
    public DbSet<TaskWorkflowStateEntity> TaskWorkflows => Set<TaskWorkflowStateEntity>();
    public DbSet<RefreshTokenEntity> RefreshTokens => Set<RefreshTokenEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        ConfigureIdentity(modelBuilder);

        modelBuilder.Entity<TaskEntity>(e =>
        {
            e.ToTable("tasks");
            e.HasKey(x => x.TaskId);
            e.Property(x => x.TaskId).HasMaxLength(50);
            e.Property(x => x.UserId).HasMaxLength(50);
            e.Property(x => x.Title).HasMaxLength(500);
            e.Property(x => x.Priority).HasMaxLength(20).HasDefaultValue("medium");
            e.Property(x => x.Status).HasMaxLength(50).HasEnumName().HasDefaultValue(TaskStatus.Pending);
            e.Property(x => x.Context).HasColumnType("jsonb");
            e.Property(x => x.Progress).HasDefaultValue(0);
            e.Property(x => x.CurrentStage).HasMaxLength(50).HasEnumName().HasDefaultValue(TaskStage.Initialization);
            e.Property(x => x.StoppedAtStage).HasMaxLength(50).HasEnumName();
            e.Property(x => x.EventSequence).HasDefaultValue(0L);
            e.Property(x => x.SelectedSpecialists).HasJsonConversion().HasDefaultValueSql("'[]'::jsonb");
            e.Property(x => x.BudgetUsd).HasPrecision(12, 6);
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            e.Property(x => x.UpdatedAt).HasDefaultValueSql("now()");
            e.HasIndex(x => x.UserId).HasDatabaseName("idx_tasks_user_id");
            e.HasIndex(x => x.Status).HasDatabaseName("idx_tasks_status");
            e.HasIndex(x => x.CreatedAt).HasDatabaseName("idx_tasks_created_at");
            e.HasIndex(x => x.Priority).HasDatabaseName("idx_tasks_priority");
        });

        modelBuilder.Entity<AgentEntity>(e =>
        {
            e.ToTable("agents");
            e.HasKey(x => x.AgentId);
            e.Property(x => x.AgentId).HasMaxLength(50);
            e.Property(x => x.AgentType).HasMaxLength(50);
            e.Property(x => x.Capabilities).HasJsonConversion();
            e.Property(x => x.ModelConfig).HasJsonConversion();
            e.Property(x => x.Status).HasMaxLength(20).HasDefaultValue("idle");
            e.Property(x => x.CurrentTaskId).HasMaxLength(50);
            e.Property(x => x.TotalTasksCompleted).HasDefaultValue(0);
            // The design document's DECIMAL(3,2) cannot hold a 10.00 score: the rating is the mean review score, 0–10.
            e.Property(x => x.AverageRating).HasPrecision(4, 2);
            e.Property(x => x.RatingCount).HasDefaultValue(0);
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            e.Property(x => x.UpdatedAt).HasDefaultValueSql("now()");
            e.HasIndex(x => x.AgentType).HasDatabaseName("idx_agents_agent_type");
            e.HasIndex(x => x.Status).HasDatabaseName("idx_agents_status");
            e.HasIndex(x => x.CurrentTaskId).HasDatabaseName("idx_agents_current_task");
            e.HasOne<TaskEntity>().WithMany().HasForeignKey(x => x.CurrentTaskId).OnDelete(DeleteBehavior.SetNull);
        });

        modelBuilder.Entity<SubtaskEntity>(e =>
        {
            e.ToTable("subtasks");
            e.HasKey(x => x.SubtaskId);
            e.Property(x => x.SubtaskId).HasMaxLength(50);
            e.Property(x => x.TaskId).HasMaxLength(50);
            e.Property(x => x.ParentSubtaskId).HasMaxLength(50);
            e.Property(x => x.AssignedAgentId).HasMaxLength(50);
            e.Property(x => x.Title).HasMaxLength(500);
            e.Property(x => x.Requirements).HasJsonConversion();
            e.Property(x => x.Status).HasMaxLength(50).HasEnumName().HasDefaultValue(SubtaskStatus.Pending);
            e.Property(x => x.Priority).HasDefaultValue(0);
            e.Property(x => x.PlanRound).HasDefaultValue(1);
            e.Property(x => x.Phase).HasDefaultValue(1);
            e.Property(x => x.Dependencies).HasColumnType("text[]").HasDefaultValueSql("'{}'::text[]");
            e.Property(x => x.SpecialistType).HasMaxLength(50);
            e.Property(x => x.Version).HasDefaultValue(1);
            e.Property(x => x.Score).HasPrecision(4, 2);
            e.Property(x => x.ResultMetadata).HasJsonConversion();
            e.Property(x => x.AcceptanceStatus).HasMaxLength(20).HasEnumName();
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            e.Property(x => x.UpdatedAt).HasDefaultValueSql("now()");
            e.HasIndex(x => x.TaskId).HasDatabaseName("idx_subtasks_task_id");
            e.HasIndex(x => x.AssignedAgentId).HasDatabaseName("idx_subtasks_assigned_agent");
            e.HasIndex(x => x.Status).HasDatabaseName("idx_subtasks_status");
            e.HasIndex(x => x.ParentSubtaskId).HasDatabaseName("idx_subtasks_parent");
            e.HasOne<TaskEntity>().WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<AgentEntity>().WithMany().HasForeignKey(x => x.AssignedAgentId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<SubtaskEntity>().WithMany().HasForeignKey(x => x.ParentSubtaskId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<SolutionEntity>(e =>
        {
            e.ToTable("solutions");
            e.HasKey(x => x.SolutionId);
            e.Property(x => x.SolutionId).HasMaxLength(50);
            e.Property(x => x.TaskId).HasMaxLength(50);
            e.Property(x => x.SubtaskId).HasMaxLength(50);
            // The design document declares agent_id NOT NULL with ON DELETE SET NULL, which cannot both hold; we keep the FK and allow null.
            e.Property(x => x.AgentId).HasMaxLength(50);
            e.Property(x => x.SolutionType).HasMaxLength(50);
            e.Property(x => x.Metadata).HasColumnType("jsonb");
            e.Property(x => x.Version).HasDefaultValue(1);
            e.Property(x => x.IsAccepted).HasDefaultValue(false);
            e.Property(x => x.Review).HasJsonConversion();
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            e.HasIndex(x => x.TaskId).HasDatabaseName("idx_solutions_task_id");
            e.HasIndex(x => x.SubtaskId).HasDatabaseName("idx_solutions_subtask_id");
            e.HasIndex(x => x.AgentId).HasDatabaseName("idx_solutions_agent_id");
            e.HasIndex(x => x.SolutionType).HasDatabaseName("idx_solutions_solution_type");
            e.HasIndex(x => x.IsAccepted).HasDatabaseName("idx_solutions_is_accepted");
            e.HasOne<TaskEntity>().WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<SubtaskEntity>().WithMany().HasForeignKey(x => x.SubtaskId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<AgentEntity>().WithMany().HasForeignKey(x => x.AgentId).OnDelete(DeleteBehavior.SetNull);
        });

        modelBuilder.Entity<InteractionEntity>(e =>
        {
            e.ToTable("interactions");
            e.HasKey(x => x.InteractionId);
            e.Property(x => x.InteractionId).HasMaxLength(50);
            e.Property(x => x.TaskId).HasMaxLength(50);
            e.Property(x => x.AgentId).HasMaxLength(50);
            e.Property(x => x.InteractionType).HasMaxLength(50);
            e.Property(x => x.Action).HasMaxLength(100);
            e.Property(x => x.Metadata).HasColumnType("jsonb");
            e.Property(x => x.Timestamp).HasDefaultValueSql("now()");
            e.HasIndex(x => x.TaskId).HasDatabaseName("idx_interactions_task_id");
            e.HasIndex(x => x.AgentId).HasDatabaseName("idx_interactions_agent_id");
            e.HasIndex(x => x.InteractionType).HasDatabaseName("idx_interactions_interaction_type");
            e.HasIndex(x => x.Timestamp).HasDatabaseName("idx_interactions_timestamp");
            e.HasOne<TaskEntity>().WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<AgentEntity>().WithMany().HasForeignKey(x => x.AgentId).OnDelete(DeleteBehavior.SetNull);
        });

        modelBuilder.Entity<RevisionEntity>(e =>
        {
            e.ToTable("revisions");
            e.HasKey(x => x.RevisionId);
            e.Property(x => x.RevisionId).HasMaxLength(50);
            e.Property(x => x.TaskId).HasMaxLength(50);
            e.Property(x => x.SpecificAreas).HasJsonConversion().HasDefaultValueSql("'[]'::jsonb");
            e.Property(x => x.RequestedScope).HasMaxLength(30).HasEnumName();
            e.Property(x => x.SubtaskIds).HasJsonConversion().HasDefaultValueSql("'[]'::jsonb");
            e.Property(x => x.Priority).HasMaxLength(20).HasDefaultValue("medium");
            e.Property(x => x.Status).HasMaxLength(50).HasEnumName().HasDefaultValue(RevisionStatus.Pending);
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            e.HasIndex(x => x.TaskId).HasDatabaseName("idx_revisions_task_id");
            e.HasIndex(x => x.Status).HasDatabaseName("idx_revisions_status");
            e.HasOne<TaskEntity>().WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AiApiUsageEntity>(e =>
        {
            e.ToTable("ai_api_usage");
            e.HasKey(x => x.UsageId);
            e.Property(x => x.UsageId).UseSerialColumn();
            e.Property(x => x.TaskId).HasMaxLength(50);
            e.Property(x => x.AgentId).HasMaxLength(50);
            e.Property(x => x.Provider).HasMaxLength(50);
            e.Property(x => x.Model).HasMaxLength(100);
            e.Property(x => x.CostUsd).HasPrecision(10, 6);
            e.Property(x => x.Timestamp).HasDefaultValueSql("now()");
            e.HasIndex(x => x.TaskId).HasDatabaseName("idx_ai_api_usage_task_id");
            e.HasIndex(x => x.AgentId).HasDatabaseName("idx_ai_api_usage_agent_id");
            e.HasIndex(x => x.Provider).HasDatabaseName("idx_ai_api_usage_provider");
            e.HasIndex(x => x.Timestamp).HasDatabaseName("idx_ai_api_usage_timestamp");
            e.HasOne<TaskEntity>().WithMany().HasForeignKey(x => x.TaskId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<AgentEntity>().WithMany().HasForeignKey(x => x.AgentId).OnDelete(DeleteBehavior.SetNull);
        });

        modelBuilder.Entity<TaskWorkflowStateEntity>(e =>
        {
            e.ToTable("task_workflows");
            e.HasKey(x => x.CorrelationId);
            e.Property(x => x.CurrentState).HasMaxLength(64);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.Property(x => x.TaskId).HasMaxLength(50);
            e.Property(x => x.Data).HasColumnType("jsonb");
            e.HasIndex(x => x.TaskId).IsUnique().HasDatabaseName("idx_task_workflows_task_id");
            e.HasIndex(x => x.CurrentState).HasDatabaseName("idx_task_workflows_current_state");
        });

        modelBuilder.Entity<AgentEntity>().HasData(AgentRegistry.SeedRows());

        ApplySnakeCaseColumnNames(modelBuilder);
    }

    // ASP.NET Core Identity's tables under plain snake_case names, like ours.
    private static void ConfigureIdentity(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ApplicationUser>(e =>
        {
            e.ToTable("users");
            e.Property(x => x.Id).HasMaxLength(50);
            e.Property(x => x.DisplayName).HasMaxLength(100);
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            // Identity checks for a duplicate email before inserting; the unique index settles two sign-ups racing.
            e.HasIndex(x => x.NormalizedEmail).IsUnique().HasDatabaseName("EmailIndex");
        });
        modelBuilder.Entity<IdentityRole>(e =>
        {
            e.ToTable("roles");
            e.Property(x => x.Id).HasMaxLength(50);
            e.HasData(RoleNames.All.Select(role => new IdentityRole(role)
            {
                Id = $"role_{role}",
                NormalizedName = role.ToUpperInvariant(),
                ConcurrencyStamp = $"role_{role}",
            }));
        });
        modelBuilder.Entity<IdentityUserRole<string>>().ToTable("user_roles");
        modelBuilder.Entity<IdentityUserClaim<string>>().ToTable("user_claims");
        modelBuilder.Entity<IdentityUserLogin<string>>().ToTable("user_logins");
        modelBuilder.Entity<IdentityUserToken<string>>().ToTable("user_tokens");
        modelBuilder.Entity<IdentityRoleClaim<string>>().ToTable("role_claims");
        if (modelBuilder.Model.FindEntityType(typeof(IdentityUserPasskey<string>)) is not null)
        {
            modelBuilder.Entity<IdentityUserPasskey<string>>().ToTable("user_passkeys");
        }

        modelBuilder.Entity<RefreshTokenEntity>(e =>
        {
            e.ToTable("refresh_tokens");
            e.HasKey(x => x.TokenId);
            e.Property(x => x.TokenId).HasMaxLength(50);
            e.Property(x => x.UserId).HasMaxLength(50);
            e.Property(x => x.TokenHash).HasMaxLength(64);
            e.Property(x => x.FamilyId).HasMaxLength(50);
            e.Property(x => x.ParentTokenId).HasMaxLength(50);
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            e.HasIndex(x => x.TokenHash).IsUnique().HasDatabaseName("idx_refresh_tokens_token_hash");
            e.HasIndex(x => x.FamilyId).HasDatabaseName("idx_refresh_tokens_family_id");
            e.HasIndex(x => x.UserId).HasDatabaseName("idx_refresh_tokens_user_id");
            e.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void ApplySnakeCaseColumnNames(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    private static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
