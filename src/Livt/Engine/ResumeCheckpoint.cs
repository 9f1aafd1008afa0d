using System.Text.Json;
using Livt.Interop;
using Livt.Optimization;
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
/// start an epoch after any number of batches.
/// </summary>
/// <remarks>
/// Each save goes to its own folder: the weights and the optimizer state (each written atomically),
/// then <c>checkpoint.json</c>, the folder's manifest (the position plus each file's length and
/// SHA-256), and only then <c>latest.json</c>. A folder without a manifest was never finished. On
/// resume the newest folder whose files match their manifest is used; a newer one that is damaged
/// (truncated, a flipped bit) or unfinished is skipped with a message, so one bad file costs the steps
/// since the previous checkpoint, not the run. The newest <see cref="Keep"/> folders are kept. Run
/// folders from before manifests existed resume from <c>latest.json</c> as they always did.
/// </remarks>
public static class ResumeCheckpoint
{
    /// <summary>How many checkpoint folders are kept.</summary>
    public const int Keep = 2;

    private const string Folder = "checkpoints";
    private const string Pointer = "latest.json";
    private const string ManifestName = "checkpoint.json";
    private const string WeightsName = "weights.safetensors";
    private const string OptimizerName = OptimizerState.FileName;

    /// <summary>Saves the state at <paramref name="point"/>; <paramref name="saveState"/> writes the stage's
    /// further state into the same folder and names the files it wrote, which the manifest covers too.
    /// Returns the checkpoint's folder.</summary>
    /// <exception cref="LivtException">The file system refused a write (full disk…); the previous
    /// checkpoint is left as it was and the message says so.</exception>
    public static string Save(string runDir, ResumePoint point, nn.Module model, FlatOptimizer optimizer,
        Func<string, IReadOnlyList<string>>? saveState = null)
    {
        var root = Path.Combine(runDir, Folder);
        var name = $"epoch-{point.Epoch:D4}-step-{point.Step:D6}";
        var dir = Path.Combine(root, name);
        try
        {
            Directory.CreateDirectory(dir);
            // A folder saved again (the same position after a resume) loses its manifest first, so a kill
            // midway never pairs new files with the old manifest.
            File.Delete(Path.Combine(dir, ManifestName));
            SafeTensors.Write(Path.Combine(dir, WeightsName), model.state_dict());
            OptimizerState.Save(optimizer, Path.Combine(dir, OptimizerName));
            string[] written = [WeightsName, OptimizerName, .. saveState?.Invoke(dir) ?? []];
            var files = written.ToDictionary(f => f, f => FileDigest.Of(Path.Combine(dir, f)));
            AtomicFile.WriteText(Path.Combine(dir, ManifestName), JsonSerializer.Serialize(new Manifest(point, files)));
            AtomicFile.WriteText(Path.Combine(root, Pointer), JsonSerializer.Serialize(new PointerFile(name, point)));
        }
        catch (Exception e) when (e is LivtException or IOException or UnauthorizedAccessException)
        {
            // Without its manifest the folder is unusable anyway; removing it frees what the failed save took.
            try { Directory.Delete(dir, recursive: true); } catch (Exception) when (Directory.Exists(dir)) { }
            var previous = Directory.Exists(root)
                ? Directory.EnumerateDirectories(root, "epoch-*").Select(Path.GetFileName)
                    .Where(n => n != name && File.Exists(Path.Combine(root, n!, ManifestName))).Max(StringComparer.Ordinal)
                : null;
            throw new LivtException($"cannot save the checkpoint {dir}: {e.Message}" +
                (previous is null ? "" : $"; the previous checkpoint, {Path.Combine(root, previous)}, is intact: --resume {runDir} continues from it"), e);
        }
        foreach (var old in Directory.EnumerateDirectories(root, "epoch-*").Order(StringComparer.Ordinal).SkipLast(Keep))
            if (Path.GetFileName(old) != name) Directory.Delete(old, recursive: true);
        return dir;
    }

    /// <summary>True when <paramref name="runDir"/> holds a checkpoint a run there would resume from.</summary>
    public static bool Exists(string runDir) => File.Exists(Path.Combine(runDir, Folder, Pointer));

    /// <summary>Restores the newest intact state into <paramref name="model"/> and
    /// <paramref name="optimizer"/>; null when the run folder has no checkpoint of this stage yet.</summary>
    /// <param name="runDir">The run folder.</param>
    /// <param name="stage">The stage being resumed; a checkpoint of another stage is an error.</param>
    /// <param name="model">Receives the weights.</param>
    /// <param name="optimizer">Receives the optimizer state.</param>
    /// <param name="skipped">Told, in one sentence, when a newer checkpoint was damaged or unfinished and
    /// an older one is used instead.</param>
    /// <param name="loadState">Reads the stage's further state from the checkpoint folder chosen.</param>
    /// <exception cref="LivtException">No checkpoint there is intact, or the intact one does not fit
    /// this stage, model or optimizer.</exception>
    public static ResumePoint? TryLoad(string runDir, string stage, nn.Module model, FlatOptimizer optimizer, Action<string>? skipped = null,
        Action<string>? loadState = null)
    {
        var root = Path.Combine(runDir, Folder);
        var pointerPath = Path.Combine(root, Pointer);
        if (!File.Exists(pointerPath)) return null;
        var (pointer, pointerProblem) = ReadPointer(pointerPath);
        var problems = new List<string>();
        if (pointerProblem is not null) problems.Add(pointerProblem);

        foreach (var dir in Directory.EnumerateDirectories(root, "epoch-*").Order(StringComparer.Ordinal).Reverse())
        {
            var name = Path.GetFileName(dir);
            var manifestPath = Path.Combine(dir, ManifestName);
            ResumePoint point;
            if (File.Exists(manifestPath))
            {
                var (manifest, problem) = ReadManifest(manifestPath);
                problem ??= manifest!.Files.Select(f => FileProblem(dir, f.Key, f.Value)).FirstOrDefault(p => p is not null);
                if (problem is not null)
                {
                    problems.Add(problem);
                    continue;
                }
                point = manifest!.Point;
            }
            else if (pointer?.Dir == name)
            {
                // Written before checkpoints had manifests: the pointer is all there is to go on.
                point = pointer.Point;
            }
            else
            {
                problems.Add($"{dir} is unfinished (the run stopped while saving it)");
                continue;
            }
            if (point.Stage != stage)
                throw new LivtException($"{runDir}: holds a '{point.Stage}' run, not '{stage}'");
            using (var weights = SafeTensors.Read(Path.Combine(dir, WeightsName)))
                StateDictLoader.Load(model, weights.Tensors, strict: true, source: dir);
            // Run folders written before Livt had its own optimizer hold TorchSharp's AdamW state instead.
            var state = Path.Combine(dir, OptimizerName);
            OptimizerState.Load(optimizer, File.Exists(state) ? state : Path.Combine(dir, OptimizerState.LegacyFileName));
            loadState?.Invoke(dir);
            if (problems.Count > 0) skipped?.Invoke($"{string.Join("; ", problems)}: resuming from {dir} instead");
            return point;
        }
        throw new LivtException(problems.Count > 0
            ? $"{root}: no intact checkpoint to resume from ({string.Join("; ", problems)})"
            : $"{root}: {Pointer} is there but no checkpoint folder is");
    }

    private static (PointerFile?, string?) ReadPointer(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<PointerFile>(File.ReadAllText(path)) is { Dir: not null, Point: { } point } p && IsValid(point)
                ? (p, null)
                : (null, $"{path} is empty");
        }
        catch (JsonException e)
        {
            return (null, $"{path} is unreadable ({e.Message})");
        }
    }

    private static (Manifest?, string?) ReadManifest(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path)) is { Point: { } point, Files: { } files } m
                   && IsValid(point) && files.ContainsKey(WeightsName) && (files.ContainsKey(OptimizerName) || files.ContainsKey(OptimizerState.LegacyFileName))
                   && files.Values.All(f => f is { Sha256: not null })
                ? (m, null)
                : (null, $"{path} is incomplete");
        }
        catch (JsonException e)
        {
            return (null, $"{path} is unreadable ({e.Message})");
        }
    }

    private static bool IsValid(ResumePoint p) => p is { Stage: not null, Epoch: >= 0, Step: >= 0, EpochImages: >= 0, WorldSize: >= 1 };

    // Besides the weights and the optimizer, a stage's own files (plain names in the folder) are checked alike.
    private static string? FileProblem(string dir, string file, FileDigest digest) =>
        file.Length > 0 && file != ManifestName && file == Path.GetFileName(file) && file is not ("." or "..")
            ? digest.Mismatch(Path.Combine(dir, file)) is { } m ? $"{Path.Combine(dir, file)} is damaged: {m}" : null
            : $"{Path.Combine(dir, ManifestName)} lists an unknown file '{file}'";

    private sealed record PointerFile(string Dir, ResumePoint Point);

    private sealed record Manifest(ResumePoint Point, Dictionary<string, FileDigest> Files);
}
