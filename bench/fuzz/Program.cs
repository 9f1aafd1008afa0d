using System.Diagnostics;
using System.Text.Json;
using Livt.Fuzz;
using Livt.Runtime;

// livt-fuzz: the readers' fuzzing harness (docs/RELIABILITY.md). A supervisor runs the fuzzer in a
// worker process and starts a new one after a native crash or a hang, keeping the input that caused it.
var options = Options.Parse(args);
if (options.List || options.Target is null)
{
    Console.WriteLine("usage: livt-fuzz --target NAME [--minutes N] [--out DIR] [--seed S] [--input-seconds S] [--alloc-mb M]");
    Console.WriteLine("       livt-fuzz --target NAME --replay FILE...   (run saved inputs; exit 1 if any fails)");
    foreach (var t in Targets.All) Console.WriteLine($"  {t.Name,-12} {t.Description}");
    return options.List ? 0 : 2;
}
var target = Targets.All.FirstOrDefault(t => t.Name == options.Target);
if (target is null)
{
    Console.Error.WriteLine($"unknown target '{options.Target}' (livt-fuzz --list)");
    return 2;
}
LivtRuntime.Initialize(1);
var outDir = Directory.CreateDirectory(options.Out ?? Path.Combine("fuzz-out", target.Name)).FullName;
long allocMb = target.AllocationMb ?? options.AllocMb;

if (options.Replay.Count > 0) return Replay.Run(target, options.Replay);
if (options.Worker)
{
    var fuzzer = new Fuzzer(target, outDir, options.Seed, TimeSpan.FromSeconds(options.InputSeconds), allocMb << 20);
    var summary = fuzzer.Run(options.Deadline, Console.Out);
    Console.WriteLine("summary " + JsonSerializer.Serialize(summary));
    return 0;
}

// Supervisor.
var deadline = DateTime.UtcNow.AddMinutes(options.Minutes);
long executions = 0;
int restarts = 0, quickDeaths = 0;
double seconds = 0;
FuzzSummary? last = null;
while (DateTime.UtcNow < deadline.AddSeconds(-5))
{
    var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
    if (!Environment.ProcessPath!.EndsWith("livt-fuzz", StringComparison.Ordinal)) psi.ArgumentList.Add(typeof(Fuzzer).Assembly.Location);
    foreach (var a in new[] { "--worker", "--target", target.Name, "--out", outDir, "--seed", (options.Seed + restarts).ToString(),
                 "--input-seconds", options.InputSeconds.ToString(), "--alloc-mb", allocMb.ToString(), "--deadline", deadline.ToString("O") })
        psi.ArgumentList.Add(a);
    // A lying length field must fail inside the bound, not take the machine's memory.
    psi.Environment["DOTNET_GCHeapHardLimit"] = $"0x{(allocMb * 4L) << 20:X}";
    var started = DateTime.UtcNow;
    using var worker = Process.Start(psi)!;
    string? line;
    while ((line = worker.StandardOutput.ReadLine()) is not null)
    {
        if (line.StartsWith("summary ", StringComparison.Ordinal)) last = JsonSerializer.Deserialize<FuzzSummary>(line["summary ".Length..]);
        else Console.WriteLine(line);
    }
    worker.WaitForExit();
    if (last is not null) { executions += last.Executions; seconds += last.Seconds; }
    if (worker.ExitCode == 0) break;
    restarts++;
    var inflight = Path.Combine(outDir, "inflight.bin");
    if (worker.ExitCode != 3 && File.Exists(inflight))
    {
        var dir = Directory.CreateDirectory(Path.Combine(outDir, "failures")).FullName;
        var name = Path.Combine(dir, $"{target.Name}-crash-{worker.ExitCode}-{restarts}.bin");
        File.Copy(inflight, name, overwrite: true);
        Console.Error.WriteLine($"{target.Name}: FAILURE the worker died (exit {worker.ExitCode}) -> {name}");
    }
    last = null;
    if (DateTime.UtcNow - started < TimeSpan.FromSeconds(5) && ++quickDeaths >= 3)
    {
        Console.Error.WriteLine($"{target.Name}: the worker keeps dying at start; stopping");
        break;
    }
}
var failures = Directory.Exists(Path.Combine(outDir, "failures")) ? Directory.GetFiles(Path.Combine(outDir, "failures"), "*.bin").Length : 0;
Console.WriteLine($"{target.Name}: {executions} inputs in {seconds / 60:F1} min of fuzzing, {restarts} worker restart(s), {failures} failing input(s) in {outDir}/failures");
return failures == 0 ? 0 : 1;

internal sealed record Options
{
    public string? Target { get; private set; }
    public double Minutes { get; private set; } = 10;
    public string? Out { get; private set; }
    public int Seed { get; private set; } = 1;
    public double InputSeconds { get; private set; } = 10;
    public long AllocMb { get; private set; } = 256;
    public bool List { get; private set; }
    public bool Worker { get; private set; }
    public DateTime Deadline { get; private set; } = DateTime.MaxValue;
    public List<string> Replay { get; } = [];

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--target": o.Target = Next(); break;
                case "--minutes": o.Minutes = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--out": o.Out = Next(); break;
                case "--seed": o.Seed = int.Parse(Next()); break;
                case "--input-seconds": o.InputSeconds = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--alloc-mb": o.AllocMb = long.Parse(Next()); break;
                case "--list": o.List = true; break;
                case "--worker": o.Worker = true; break;
                case "--deadline": o.Deadline = DateTime.Parse(Next(), null, System.Globalization.DateTimeStyles.RoundtripKind); break;
                case "--replay": while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) o.Replay.Add(args[++i]); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return o;
    }
}
