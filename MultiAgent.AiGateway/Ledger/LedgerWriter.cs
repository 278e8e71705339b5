using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace MultiAgent.AiGateway.Ledger;

/// <summary>
/// The usage ledger's write side, off the request path: a call adds its entry to a channel (<see cref="Record"/>, never
/// blocks, never throws), and one background loop per replica writes what has arrived in batches
/// (<c>INSERT ... ON CONFLICT DO NOTHING</c>: the call id, and the idempotency key among answered calls, make a repeated
/// entry a no-op; a failed attempt and the answered retry under the same key are both kept).
/// A failed batch is retried with backoff; entries still queued at shutdown are written before the host stops.
/// </summary>
public sealed partial class LedgerWriter(IServiceScopeFactory scopes, ILogger<LedgerWriter> logger) : BackgroundService
{
    /// <summary>Entries waiting at most; past that new entries are dropped with an error log (the database has been away too long).</summary>
    public const int Capacity = 100_000;

    public const int MaxBatch = 500;

    private readonly Channel<LedgerEntry> _queue = Channel.CreateBounded<LedgerEntry>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    // Entries are written in the order they were accepted, so "written up to n" is one number.
    private long _accepted;
    private long _done;

    /// <summary>Entries accepted and not yet written.</summary>
    public long Pending => Interlocked.Read(ref _accepted) - Interlocked.Read(ref _done);

    public void Record(LedgerEntry entry)
    {
        lock (_queue)
        {
            if (_queue.Writer.TryWrite(entry))
            {
                _accepted++;
                return;
            }
        }
        LogDropped(logger, entry.CallId, entry.TaskId, entry.CostUsd);
    }

    /// <summary>Waits (up to <paramref name="timeout"/>) until every entry this replica had accepted when called is written.</summary>
    public async Task FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _accepted);
        var deadline = DateTime.UtcNow + timeout;
        while (Interlocked.Read(ref _done) < target && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5, cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<LedgerEntry>(MaxBatch);
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && reader.TryRead(out var entry)) batch.Add(entry);
                await WriteWithRetryAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Shutdown: what is still queued is billing; write it (bounded by the host's shutdown timeout).
        while (reader.TryRead(out var entry)) batch.Add(entry);
        if (batch.Count > 0)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await WriteWithRetryAsync(batch, cts.Token);
        }
    }

    private async Task WriteWithRetryAsync(List<LedgerEntry> batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await InsertAsync(batch, cancellationToken);
                Interlocked.Add(ref _done, batch.Count);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogBatchFailed(logger, ex, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 200 * Math.Pow(2, Math.Min(attempt, 8)))), cancellationToken)
                    .ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception ex)
            {
                LogBatchLost(logger, ex, batch.Count, batch.Sum(e => e.CostUsd ?? 0m));
                Interlocked.Add(ref _done, batch.Count);
                return;
            }
        }
    }

    private async Task InsertAsync(List<LedgerEntry> batch, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LedgerDbContext>();
        NpgsqlParameter Array<T>(string name, NpgsqlDbType type, Func<LedgerEntry, T> value) =>
            new(name, NpgsqlDbType.Array | type) { Value = batch.Select(value).ToArray() };

        await db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO usage_records (call_id, idempotency_key, task_id, agent_id, agent_role, user_id, route, provider, model,
                requested_model, input_tokens, cached_input_tokens, output_tokens, cost_usd, latency_ms, outcome, finish_reason,
                cache_hit, stream, attempts, fallback, created_at)
            SELECT * FROM unnest(@call_id, @idempotency_key, @task_id, @agent_id, @agent_role, @user_id, @route, @provider, @model,
                @requested_model, @input_tokens, @cached_input_tokens, @output_tokens, @cost_usd, @latency_ms, @outcome, @finish_reason,
                @cache_hit, @stream, @attempts, @fallback, @created_at)
            ON CONFLICT DO NOTHING
            """,
            [
                Array("call_id", NpgsqlDbType.Text, e => e.CallId),
                Array("idempotency_key", NpgsqlDbType.Text, e => e.IdempotencyKey),
                Array("task_id", NpgsqlDbType.Text, e => e.TaskId),
                Array("agent_id", NpgsqlDbType.Text, e => e.AgentId),
                Array("agent_role", NpgsqlDbType.Text, e => e.AgentRole),
                Array("user_id", NpgsqlDbType.Text, e => e.UserId),
                Array("route", NpgsqlDbType.Text, e => Cut(e.Route, 200)),
                Array("provider", NpgsqlDbType.Text, e => Cut(e.Provider, 50)),
                Array("model", NpgsqlDbType.Text, e => Cut(e.Model, 200)),
                Array("requested_model", NpgsqlDbType.Text, e => Cut(e.RequestedModel, 200)),
                Array("input_tokens", NpgsqlDbType.Integer, e => e.InputTokens),
                Array("cached_input_tokens", NpgsqlDbType.Integer, e => e.CachedInputTokens),
                Array("output_tokens", NpgsqlDbType.Integer, e => e.OutputTokens),
                Array("cost_usd", NpgsqlDbType.Numeric, e => e.CostUsd),
                Array("latency_ms", NpgsqlDbType.Integer, e => e.LatencyMs),
                Array("outcome", NpgsqlDbType.Text, e => Cut(e.Outcome, 50)),
                Array("finish_reason", NpgsqlDbType.Text, e => e.FinishReason is null ? null : Cut(e.FinishReason, 30)),
                Array("cache_hit", NpgsqlDbType.Boolean, e => e.CacheHit),
                Array("stream", NpgsqlDbType.Boolean, e => e.Stream),
                Array("attempts", NpgsqlDbType.Integer, e => e.Attempts),
                Array("fallback", NpgsqlDbType.Boolean, e => e.Fallback),
                Array("created_at", NpgsqlDbType.TimestampTz, e => e.CreatedAt),
            ],
            cancellationToken);
    }

    private static string Cut(string value, int max) => value.Length <= max ? value : value[..max];

    [LoggerMessage(Level = LogLevel.Error, Message = "The usage ledger queue is full; the entry of call {CallId} (task {TaskId}, cost {CostUsd} USD) is dropped")]
    private static partial void LogDropped(ILogger logger, string callId, string? taskId, decimal? costUsd);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} usage entries failed (attempt {Attempt}); retrying")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} usage entries ({CostUsd} USD) could not be written before shutdown")]
    private static partial void LogBatchLost(ILogger logger, Exception exception, int count, decimal costUsd);
}

/// <summary>Creates or updates the ledger's database at startup; safe with several replicas starting at once.</summary>
public static partial class LedgerMigrations
{
    public static async Task MigrateLedgerAsync(this IHost app, CancellationToken cancellationToken = default)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LedgerMigrations).FullName!);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<LedgerDbContext>();
                // EF Core takes a database lock around applying migrations, so replicas apply them one at a time.
                await db.Database.MigrateAsync(cancellationToken);
                return;
            }
            // Two replicas creating the database at once: one wins, the other finds it on the next attempt.
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation && attempt < 5)
            {
                LogRetry(logger, ex.SqlState, attempt);
            }
            catch (NpgsqlException ex) when (ex.IsTransient && attempt < 10)
            {
                LogRetry(logger, ex.GetType().Name, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ledger migration attempt {Attempt} met {Reason}; trying again")]
    private static partial void LogRetry(ILogger logger, string reason, int attempt);
}
