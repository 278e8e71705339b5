using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace MultiAgent.AiGateway.Ledger;

/// <summary>The gateway's own database (<c>aigatewaydb</c>): the usage ledger. No other service reads or writes it.</summary>
public sealed class LedgerDbContext(DbContextOptions<LedgerDbContext> options) : DbContext(options)
{
    public const string ConnectionName = "aigatewaydb";

    public DbSet<LedgerEntry> Usage => Set<LedgerEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<LedgerEntry>(e =>
        {
            e.ToTable("usage_records");
            e.HasKey(x => x.CallId);
            e.Property(x => x.CallId).HasColumnName("call_id").HasMaxLength(64);
            e.Property(x => x.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(200);
            e.Property(x => x.TaskId).HasColumnName("task_id").HasMaxLength(100);
            e.Property(x => x.AgentId).HasColumnName("agent_id").HasMaxLength(100);
            e.Property(x => x.AgentRole).HasColumnName("agent_role").HasMaxLength(50);
            e.Property(x => x.UserId).HasColumnName("user_id").HasMaxLength(100);
            e.Property(x => x.Route).HasColumnName("route").HasMaxLength(200);
            e.Property(x => x.Provider).HasColumnName("provider").HasMaxLength(50);
            e.Property(x => x.Model).HasColumnName("model").HasMaxLength(200);
            e.Property(x => x.RequestedModel).HasColumnName("requested_model").HasMaxLength(200);
            e.Property(x => x.InputTokens).HasColumnName("input_tokens");
            e.Property(x => x.CachedInputTokens).HasColumnName("cached_input_tokens");
            e.Property(x => x.OutputTokens).HasColumnName("output_tokens");
            e.Property(x => x.CostUsd).HasColumnName("cost_usd").HasPrecision(18, 8);
            e.Property(x => x.LatencyMs).HasColumnName("latency_ms");
            e.Property(x => x.Outcome).HasColumnName("outcome").HasMaxLength(50);
            e.Property(x => x.FinishReason).HasColumnName("finish_reason").HasMaxLength(30);
            e.Property(x => x.CacheHit).HasColumnName("cache_hit");
            e.Property(x => x.Stream).HasColumnName("stream");
            e.Property(x => x.Attempts).HasColumnName("attempts");
            e.Property(x => x.Fallback).HasColumnName("fallback");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.HasIndex(x => x.IdempotencyKey).IsUnique().HasFilter("idempotency_key IS NOT NULL AND outcome = 'ok'").HasDatabaseName("ux_usage_records_idempotency_key");
            e.HasIndex(x => x.TaskId).HasDatabaseName("ix_usage_records_task_id");
            e.HasIndex(x => new { x.UserId, x.CreatedAt }).HasDatabaseName("ix_usage_records_user_id_created_at");
            e.HasIndex(x => x.CreatedAt).HasDatabaseName("ix_usage_records_created_at");
        });
    }
}

/// <summary>For <c>dotnet ef migrations add</c> only; the running gateway gets its connection from Aspire.</summary>
public sealed class LedgerDbContextDesignTimeFactory : IDesignTimeDbContextFactory<LedgerDbContext>
{
    public LedgerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LedgerDbContext>().UseNpgsql("Host=localhost;Database=aigatewaydb").Options);
}
