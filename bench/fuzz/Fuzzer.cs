using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using TorchSharp;

namespace Livt.Fuzz;

/// <summary>What one run of the fuzzer found.</summary>
public sealed record FuzzSummary(string Target, long Executions, double Seconds, int Corpus, int Outcomes, int Failures);

/// <summary>
/// Feeds mutated inputs to one target until a deadline. An input passes when the reader returns or
/// throws <see cref="LivtException"/> with a one-line message; any other exception, an input that runs
/// past the time limit, or one that allocates more than the bound is a failure, saved under
/// <c>failures/</c> with its stack trace. Guidance without coverage instrumentation: an input whose
/// outcome (the error message with numbers and paths blanked) was not seen before joins the corpus,
/// so inputs that get past one check are mutated further.
/// </summary>
public sealed partial class Fuzzer(FuzzTarget target, string outDir, int seed, TimeSpan inputLimit, long allocationBound)
{
    private const int MaxInputBytes = 1 << 20;
    private readonly Random _random = new(seed);
    private readonly HashSet<string> _outcomes = [];
    private readonly HashSet<string> _failureKinds = [];
    private readonly List<byte[]> _corpus = [];
    private long _inputStarted;
    private byte[] _current = [];

    public FuzzSummary Run(DateTime deadline, TextWriter log)
    {
        var scratchRoot = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var scratch = Directory.CreateDirectory(Path.Combine(scratchRoot, $"livt-fuzz-{Environment.ProcessId}")).FullName;
        var corpusDir = Directory.CreateDirectory(Path.Combine(outDir, "corpus")).FullName;
        try
        {
            _corpus.AddRange(target.Seeds(Directory.CreateDirectory(Path.Combine(scratch, "seeds")).FullName));
            _corpus.AddRange(Directory.GetFiles(corpusDir).Order().Select(File.ReadAllBytes));
            foreach (var input in _corpus.ToArray()) Execute(input, scratch, keep: false);
            using var watchdog = new Timer(_ => CheckTime(), null, 1000, 1000);
            var clock = Stopwatch.StartNew();
            var nextReport = TimeSpan.FromSeconds(30);
            long executions = 0;
            var mutator = new Mutator(_random);
            while (DateTime.UtcNow < deadline)
            {
                var parent = _corpus[_random.Next(_corpus.Count)];
                var other = _corpus[_random.Next(_corpus.Count)];
                var input = target.Mutate?.Invoke(parent, other, mutator, _random) ?? mutator.Mutate(parent, other);
                if (input.Length > MaxInputBytes) continue;
                if (Execute(input, scratch, keep: true) is { } fresh)
                    File.WriteAllBytes(Path.Combine(corpusDir, $"{fresh}.bin"), input);
                executions++;
                if (clock.Elapsed > nextReport)
                {
                    log.WriteLine($"{target.Name}: {executions} inputs in {clock.Elapsed.TotalSeconds:F0} s ({executions / clock.Elapsed.TotalSeconds:F0}/s), " +
                                  $"corpus {_corpus.Count}, outcomes {_outcomes.Count}, failures {_failureKinds.Count}, RSS {Environment.WorkingSet >> 20} MiB");
                    nextReport += TimeSpan.FromSeconds(60);
                }
            }
            File.WriteAllLines(Path.Combine(outDir, "outcomes.txt"), _outcomes.Order(StringComparer.Ordinal));
            return new FuzzSummary(target.Name, executions, clock.Elapsed.TotalSeconds, _corpus.Count, _outcomes.Count, _failureKinds.Count);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Runs one input; returns the name to keep it under when its outcome is new.</summary>
    private string? Execute(byte[] input, string scratch, bool keep)
    {
        var dir = Path.Combine(scratch, "in");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        _current = input;
        // A native crash ends the process: what was running is on disk for the supervisor to keep.
        File.WriteAllBytes(Path.Combine(outDir, "inflight.bin"), input);
        string outcome;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Interlocked.Exchange(ref _inputStarted, Stopwatch.GetTimestamp());
        try
        {
            using (torch.NewDisposeScope()) target.Run(input, dir);
            outcome = "ok";
        }
        catch (LivtException e) when (!e.Message.Contains('\n') && e.Message.Length > 0)
        {
            outcome = $"{e.GetType().Name}: {Blank(e.Message)}";
        }
        catch (Exception e)
        {
            Fail(input, e is LivtException ? "message" : e.GetType().Name, e.ToString(), TopFrame(e));
            return null;
        }
        finally
        {
            Interlocked.Exchange(ref _inputStarted, 0);
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        if (allocated > allocationBound + 64L * input.Length)
        {
            Fail(input, "allocation", $"{allocated >> 20} MiB allocated for a {input.Length}-byte input (outcome: {outcome})", outcome);
            return null;
        }
        if (!_outcomes.Add(outcome) || !keep) return null;
        _corpus.Add(input);
        return Convert.ToHexStringLower(SHA256.HashData(input))[..16];
    }

    private void CheckTime()
    {
        long started = Interlocked.Read(ref _inputStarted);
        if (started == 0 || Stopwatch.GetElapsedTime(started) < inputLimit) return;
        Fail(_current, "hang", $"still running after {inputLimit.TotalSeconds:F0} s", "hang");
        // A thread cannot be stopped from outside: end the worker, the supervisor starts the next one.
        Environment.Exit(3);
    }

    private void Fail(byte[] input, string kind, string details, string where)
    {
        lock (_failureKinds)
        {
            if (!_failureKinds.Add($"{kind} {where}")) return;
            var dir = Directory.CreateDirectory(Path.Combine(outDir, "failures")).FullName;
            var name = $"{target.Name}-{kind}-{Convert.ToHexStringLower(SHA256.HashData(input))[..12]}";
            File.WriteAllBytes(Path.Combine(dir, name + ".bin"), input);
            File.WriteAllText(Path.Combine(dir, name + ".txt"), $"{target.Name}: {kind}\n{details}\n");
            Console.Error.WriteLine($"{target.Name}: FAILURE {kind} at {where} -> {Path.Combine(dir, name + ".bin")}");
        }
    }

    private static string TopFrame(Exception e) =>
        e.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Livt.", StringComparison.Ordinal) && !l.Contains("Livt.Fuzz", StringComparison.Ordinal))
        ?? e.StackTrace?.Split('\n').FirstOrDefault()?.Trim() ?? "";

    /// <summary>An error message with what varies per input blanked, so one check counts as one outcome.</summary>
    private static string Blank(string message) => Numbers().Replace(Quoted().Replace(Paths().Replace(message, "~"), "'…'"), "#");

    [GeneratedRegex(@"/[^\s:;,()]+")]
    private static partial Regex Paths();

    [GeneratedRegex(@"'[^']*'")]
    private static partial Regex Quoted();

    // Any word with a digit in it: numbers, hashes, offsets, shapes.
    [GeneratedRegex(@"[^\s]*\d[^\s]*")]
    private static partial Regex Numbers();
}
