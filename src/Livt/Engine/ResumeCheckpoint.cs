using System.Text.Json;
using Livt.Interop;
using Livt.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>
/// Where a resumable run stands: the next step to run is batch <see cref="Step"/> of epoch
/// <see cref="Epoch"/> (0-based; step 0 is an epoch boundary). <see cref="EpochLoss"/> and
/// <see cref="EpochImages"/> are the partial sums of that epoch so far, so its logged mean is the
/// same whether or not the run was interrupted. <see cref="WorldSize"/> is the number of processes
/// that trained it: the global batch, and so the learning rate and the data order, depend on it.
/// </summary>
public sealed record ResumePoint(string Stage, int Epoch, int Step, double? BestMetric, double EpochLoss = 0, long EpochImages = 0, int WorldSize = 1);

/// <summary>
/// The state a killed run needs to continue exactly: weights, optimizer state and the position in the
/// run, saved at the end of every epoch and, with <c>--save-every-steps</c>, within one. Randomness
/// needs no saved state: the generator is reseeded from (seed, global step) before every step, the
/// loader's order and per-sample draws are functions of (seed, epoch, position), and the loader can
/// start an epoch after any number of batches. Each save goes to a new folder and only then is
/// <c>latest.json</c> replaced (atomically), so a kill at any moment leaves the previous checkpoint
/// intact; the newest <see cref="Keep"/> folders are kept.
/// </summary>
public static class ResumeCheckpoint
{
    /// <summary>How many checkpoint folders are kept.</summary>
    public const int Keep = 2;

    private const string Folder = "checkpoints";
    private const string Pointer = "latest.json";

    /// <summary>Saves the state at <paramref name="point"/>.</summary>
    public static void Save(string runDir, ResumePoint point, nn.Module model, FlatOptimizer optimizer)
    {
        var root = Path.Combine(runDir, Folder);
        var name = $"epoch-{point.Epoch:D4}-step-{point.Step:D6}";
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        SafeTensors.Write(Path.Combine(dir, "weights.safetensors"), model.state_dict());
        OptimizerState.Save(optimizer, Path.Combine(dir, OptimizerState.FileName));
        AtomicFile.WriteText(Path.Combine(root, Pointer), JsonSerializer.Serialize(new PointerFile(name, point)));
        foreach (var old in Directory.EnumerateDirectories(root, "epoch-*").Order(StringComparer.Ordinal).SkipLast(Keep))
            if (Path.GetFileName(old) != name) Directory.Delete(old, recursive: true);
    }

    /// <summary>True when <paramref name="runDir"/> holds a checkpoint a run there would resume from.</summary>
    public static bool Exists(string runDir) => File.Exists(Path.Combine(runDir, Folder, Pointer));

    /// <summary>Restores the latest state into <paramref name="model"/> and <paramref name="optimizer"/>;
    /// null when the run folder has no checkpoint of this stage yet.</summary>
    public static ResumePoint? TryLoad(string runDir, string stage, nn.Module model, FlatOptimizer optimizer)
    {
        var pointerPath = Path.Combine(runDir, Folder, Pointer);
        if (!File.Exists(pointerPath)) return null;
        PointerFile pointer;
        try
        {
            pointer = JsonSerializer.Deserialize<PointerFile>(File.ReadAllText(pointerPath))
                      ?? throw new LivtException($"{pointerPath}: empty");
        }
        catch (JsonException e)
        {
            throw new LivtException($"{pointerPath}: unreadable resume pointer: {e.Message}");
        }
        if (pointer.Point.Stage != stage)
            throw new LivtException($"{runDir}: holds a '{pointer.Point.Stage}' run, not '{stage}'");
        var dir = Path.Combine(runDir, Folder, pointer.Dir);
        using (var weights = SafeTensors.Read(Path.Combine(dir, "weights.safetensors")))
            StateDictLoader.Load(model, weights.Tensors, strict: true, source: dir);
        // Run folders written before Livt had its own optimizer hold TorchSharp's AdamW state instead.
        var state = Path.Combine(dir, OptimizerState.FileName);
        OptimizerState.Load(optimizer, File.Exists(state) ? state : Path.Combine(dir, OptimizerState.LegacyFileName));
        return pointer.Point;
    }

    private sealed record PointerFile(string Dir, ResumePoint Point);
}
