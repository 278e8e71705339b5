using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/MultiAgent.Benchmarks -- --filter '*'     (BenchmarkDotNet: agent steps)
// dotnet run -c Release --project bench/MultiAgent.Benchmarks -- gateway          (the AiGateway's added latency)
if (args.Length > 0 && args[0] == "gateway")
{
    return await MultiAgent.Benchmarks.Gateway.GatewayLatencyBenchmark.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(MultiAgent.Benchmarks.AgentStepBenchmarks).Assembly).Run(args);
return 0;
