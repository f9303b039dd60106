using BenchmarkDotNet.Running;

namespace Aiprod.Benchmarks;

// dotnet run -c Release --project bench/Aiprod.Benchmarks -- --filter '*'
internal static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
