using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using MultiAgent.AiGateway.Providers;
using MultiAgent.AiGateway.Simulated;

using MultiAgent.Bench;

namespace MultiAgent.Benchmarks.Gateway;

/// <summary>
/// The AiGateway's added latency: the real AppHost (processes mode, free ports; only Postgres, Redis and the gateway)
/// with the simulated model at 0 ms, called over HTTP, against the same simulated model called in-process. Four
/// measurements: one keep-alive client in sequence, a fixed open-loop rate, saturation (closed loop), and cache hits.
/// Run in Release: <c>dotnet run -c Release --project bench/MultiAgent.Benchmarks -- gateway</c>.
/// </summary>
public static class GatewayLatencyBenchmark
{
    private const string Model = "gpt-4o-mini";

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Option(args, "--seconds", 15);
        var rate = Option(args, "--rate", 200);
        var concurrency = Option(args, "--concurrency", 16);
        var sequential = Option(args, "--requests", 3000);

        await using var host = await StartGatewayAsync();
        var (endpoint, key) = host;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = endpoint,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        Console.WriteLine($"Gateway at {endpoint} (a replica's own port, not Aspire's dev proxy). Warming up...");
        for (var i = 0; i < 500; i++) await CallAsync(http, Prompt(i), bypassCache: false);

        // In-process: the same simulated model, the same request, no HTTP.
        var simulated = new SimulatedChatClient(new SimulatedModelOptions());
        for (var i = 0; i < 2000; i++) await simulated.GetResponseAsync(Messages(Prompt(-i)), new ChatOptions { ModelId = Model });
        var inProcess = new List<double>(sequential);
        for (var i = 0; i < sequential; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await simulated.GetResponseAsync(Messages(Prompt(1_000_000 + i)), new ChatOptions { ModelId = Model });
            inProcess.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        // 1. One keep-alive client, one call after another, every prompt new (cache misses).
        var sequentialHttp = new List<double>(sequential);
        for (var i = 0; i < sequential; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await CallAsync(http, Prompt(2_000_000 + i), bypassCache: false);
            sequentialHttp.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        // 1b. The same without the response cache (no Redis round trip on the way).
        var bypassed = new List<double>(sequential);
        for (var i = 0; i < sequential; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await CallAsync(http, Prompt(5_000_000 + i), bypassCache: true);
            bypassed.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        // 2. A fixed rate (open loop): calls start on schedule whether or not earlier ones are done; latency from the scheduled start.
        var fixedRate = await FixedRateAsync(http, rate, TimeSpan.FromSeconds(seconds), 3_000_000);

        // 3. Saturation (closed loop): `concurrency` clients calling back to back.
        var (saturated, throughput) = await SaturationAsync(http, concurrency, TimeSpan.FromSeconds(seconds), 4_000_000);

        // 4. Cache hits: the same request again and again, total latency.
        await CallAsync(http, Prompt(-42), bypassCache: false);
        var hits = new List<double>(sequential);
        for (var i = 0; i < sequential; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var cache = await CallAsync(http, Prompt(-42), bypassCache: false);
            hits.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (cache != "hit") throw new InvalidOperationException($"Expected a cache hit, got '{cache}'.");
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"| Measurement | n | p50 ms | p95 ms | p99 ms | added p50 | added p99 |");
        report.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        Row(report, "in-process simulated model (baseline)", inProcess, null);
        Row(report, "HTTP, 1 keep-alive client, sequential", sequentialHttp, inProcess);
        Row(report, "HTTP, 1 keep-alive client, sequential, cache bypassed", bypassed, inProcess);
        Row(report, $"HTTP, fixed rate {rate}/s for {seconds} s", fixedRate, inProcess);
        Row(report, $"HTTP, saturation, {concurrency} clients ({throughput:F0} calls/s)", saturated, inProcess);
        Row(report, "HTTP, cache hit (total latency)", hits, null);
        Console.WriteLine();
        Console.WriteLine(report);
        return 0;
    }

    private static async Task<List<double>> FixedRateAsync(HttpClient http, int rate, TimeSpan duration, int seed)
    {
        var latencies = new List<double>();
        var tasks = new List<Task>();
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var clock = Stopwatch.StartNew();
        var count = (int)(duration.TotalSeconds * rate);
        for (var i = 0; i < count; i++)
        {
            var due = interval * i;
            var wait = due - clock.Elapsed;
            // No spinning: on a 2-core machine a spinning client would take a core from the gateway it measures.
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var n = i;
            tasks.Add(Task.Run(async () =>
            {
                await CallAsync(http, Prompt(seed + n), bypassCache: false);
                var latency = (clock.Elapsed - due).TotalMilliseconds;
                lock (latencies) latencies.Add(latency);
            }));
        }
        await Task.WhenAll(tasks);
        return latencies;
    }

    private static async Task<(List<double> Latencies, double Throughput)> SaturationAsync(HttpClient http, int concurrency, TimeSpan duration, int seed)
    {
        var latencies = new List<double>();
        var stop = DateTime.UtcNow + duration;
        var next = seed;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (DateTime.UtcNow < stop)
            {
                var start = Stopwatch.GetTimestamp();
                await CallAsync(http, Prompt(Interlocked.Increment(ref next)), bypassCache: false);
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            lock (latencies) latencies.AddRange(mine);
        })));
        return (latencies, latencies.Count / clock.Elapsed.TotalSeconds);
    }

    private static string Prompt(int n) => $"Summarise the quarterly plan for region {n}: revenue, hiring and risks.";

    private static List<ChatMessage> Messages(string prompt) =>
        [new(ChatRole.System, "You are a concise analyst."), new(ChatRole.User, prompt)];

    private static async Task<string?> CallAsync(HttpClient http, string prompt, bool bypassCache)
    {
        var body = $$"""{"model":"{{Model}}","messages":[{"role":"system","content":"You are a concise analyst."},{"role":"user","content":"{{prompt}}"}]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (bypassCache) request.Headers.Add("X-MultiAgent-Cache", "bypass");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"The gateway answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.TryGetValues("x-multiagent-cache", out var values) ? values.First() : null;
    }

    private static void Row(StringBuilder report, string name, List<double> values, List<double>? baseline)
    {
        values.Sort();
        baseline?.Sort();
        string Added(double p) => baseline is null ? "" : (Percentile(values, p) - Percentile(baseline, p)).ToString("F2", CultureInfo.InvariantCulture);
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| {name} | {values.Count} | {Percentile(values, 0.50):F2} | {Percentile(values, 0.95):F2} | {Percentile(values, 0.99):F2} | {Added(0.50)} | {Added(0.99)} |");
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }

    private sealed class RunningGateway(DistributedApplication app, IDistributedApplicationTestingBuilder builder, string dataDirectory, Uri endpoint, string key) : IAsyncDisposable
    {
        public void Deconstruct(out Uri e, out string k) => (e, k) = (endpoint, key);

        public async ValueTask DisposeAsync()
        {
            await app.DisposeAsync();
            await builder.DisposeAsync();
            try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task<RunningGateway> StartGatewayAsync()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("multiagent-bench-").FullName;
        string[] args =
        [
            .. IsolatedInfrastructure.Arguments(dataDirectory),
            "--AI:Simulated:LatencyMs=0",
            "--Logging:LogLevel:Default=Warning",
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MultiAgent_AppHost>(args);
        foreach (var unused in builder.Resources.Where(r => r.Name is "api" or "orchestrator" or "web" or "migrations" or "rabbitmq" or "multiagentdb").ToList())
        {
            builder.Resources.Remove(unused);
        }
        var app = await builder.BuildAsync();
        await app.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await app.ResourceNotifications.WaitForResourceHealthyAsync("aigateway", cts.Token);

        Uri endpoint = app.GetEndpoint("aigateway", "http");
        await foreach (var e in app.ResourceNotifications.WatchAsync(cts.Token))
        {
            if (e.Resource.Name != "aigateway" || e.Snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value is not { } urls) continue;
            endpoint = new Uri(urls.Split(';')[0]);
            break;
        }
        var key = await app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ParameterResource>()
            .Single(p => p.Name == "aigateway-api-key").GetValueAsync(cts.Token) ?? "";
        return new RunningGateway(app, builder, dataDirectory, endpoint, key);
    }

}
