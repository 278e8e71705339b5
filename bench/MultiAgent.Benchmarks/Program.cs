using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/MultiAgent.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(MultiAgent.Benchmarks.AgentStepBenchmarks).Assembly).Run(args);
