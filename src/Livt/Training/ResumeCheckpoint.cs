using System.Text.Json;
using Livt.Interop;
using Livt.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>Where a resumable run stands after a completed epoch.</summary>
public sealed record ResumePoint(string Stage, int CompletedEpochs, double? BestMetric);

/// <summary>
/// The state a killed run needs to continue exactly: weights, optimizer state and the position in the
/// schedule, saved after every epoch. Randomness needs no saved state: every epoch reseeds libtorch,
/// the loader and Mixup/CutMix from (seed, epoch), so a resumed epoch replays what an uninterrupted
/// run would have done. Each save goes to a new folder and only then is <c>latest.json</c> replaced
/// (atomically), so a kill at any moment leaves the previous checkpoint intact.
/// </summary>
public static class ResumeCheckpoint
{
    private const string Folder = "checkpoints";
    private const string Pointer = "latest.json";

    /// <summary>Saves the state after <see cref="ResumePoint.CompletedEpochs"/> epochs.</summary>
    public static void Save(string runDir, ResumePoint point, nn.Module model, optim.Optimizer optimizer)
    {
        var root = Path.Combine(runDir, Folder);
        var name = $"epoch-{point.CompletedEpochs:D4}";
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        SafeTensors.Write(Path.Combine(dir, "weights.safetensors"), model.state_dict());
        OptimizerState.Save(optimizer, Path.Combine(dir, "optimizer.bin"));
        AtomicFile.WriteText(Path.Combine(root, Pointer), JsonSerializer.Serialize(new PointerFile(name, point)));
        foreach (var old in Directory.EnumerateDirectories(root, "epoch-*"))
            if (Path.GetFileName(old) != name) Directory.Delete(old, recursive: true);
    }

    /// <summary>Restores the latest state into <paramref name="model"/> and <paramref name="optimizer"/>;
    /// null when the run folder has no checkpoint of this stage yet.</summary>
    public static ResumePoint? TryLoad(string runDir, string stage, nn.Module model, optim.Optimizer optimizer)
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
            Livt.Interop.StateDictLoader.Load(model, weights.Tensors, strict: true, source: dir);
        OptimizerState.Load(optimizer, Path.Combine(dir, "optimizer.bin"));
        return pointer.Point;
    }

    private sealed record PointerFile(string Dir, ResumePoint Point);
}
