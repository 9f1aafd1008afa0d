using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;

namespace Livt.Engine;

/// <summary>
/// A run's machine-readable history: <c>log.jsonl</c> (one JSON object per logged step or epoch,
/// appended and flushed at once so a killed run keeps its lines) and TensorBoard event files under
/// <c>tensorboard/</c> (TorchSharp's SummaryWriter writes each event as it comes) for loss, learning rate and accuracy.
/// </summary>
public sealed class RunLog : IDisposable
{
    private readonly StreamWriter _jsonl;
    private readonly TorchSharp.Modules.SummaryWriter _tensorboard;

    public RunLog(string runDir)
    {
        Directory.CreateDirectory(runDir);
        Path = System.IO.Path.Combine(runDir, "log.jsonl");
        _jsonl = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        _tensorboard = torch.utils.tensorboard.SummaryWriter(System.IO.Path.Combine(runDir, "tensorboard"));
    }

    /// <summary>The log.jsonl path.</summary>
    public string Path { get; }

    /// <summary>Appends a line and writes each numeric field as a TensorBoard scalar <c>stage/field</c>.</summary>
    public void Write(string kind, string stage, int globalStep, IReadOnlyDictionary<string, double?> values)
    {
        var line = new JsonObject { ["kind"] = kind, ["stage"] = stage, ["global_step"] = globalStep };
        foreach (var (k, v) in values)
        {
            line[k] = v is { } d && double.IsFinite(d) ? d : null;
            if (v is { } x && double.IsFinite(x)) _tensorboard.add_scalar($"{stage}/{kind}_{k}", (float)x, globalStep);
        }
        _jsonl.WriteLine(line.ToJsonString());
    }

    /// <summary>Reads the epoch lines of a log for training curves.</summary>
    public static IReadOnlyList<JsonObject> ReadEpochs(string path) => !File.Exists(path)
        ? []
        : File.ReadLines(path)
            .Select(l => { try { return JsonNode.Parse(l) as JsonObject; } catch (JsonException) { return null; } })
            .Where(o => o is not null && (string?)o["kind"] == "epoch")
            .Select(o => o!)
            .ToArray();

    public void Dispose() => _jsonl.Dispose();
}
