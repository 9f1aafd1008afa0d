using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Data;
using Livt.Distributed;
using Livt.Engine;
using Livt.Interop;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;
using Livt.Training;
using Livt.Training.Setup;
using TorchSharp;
using static TorchSharp.torch;

// Usage: Livt.DistributedWorker <scenario> <out-dir> [timeout-seconds] [scenario arguments]
// Scenarios: values (what every collective, the broadcast of parameters and the gradient averaging
// produced, in <out-dir>/rank<r>.safetensors); stall | exit | finish (one rank stops taking part in
// a different way each time); finetune <overrides.json> every-rank-writes|kill-at:<epoch>:<step>
// (a real data-parallel BFT run: every rank writing its own run folder <out-dir>/rank<r>, or one
// shared run folder <out-dir> that every rank abandons at the same step, as a killed job does);
// contrast (BCL's loss and gradients on this rank's slice of a seeded global batch, and the queues and
// centroids after enqueueing it, all through ProcessGather, in <out-dir>/rank<r>.safetensors);
// pretraining (MoCo v3's and BYOL's objectives, with synchronised BatchNorm, and DCL's, DCLW's and MimCo's
// image-level losses with gathered negatives, on this rank's slice of a seeded global batch: losses,
// gradients and BatchNorm statistics in <out-dir>/rank<r>.safetensors); pretrain <overrides.json>
// every-rank-writes (a real data-parallel pretraining run, as finetune).
string scenario = args[0], outDir = args[1];
var options = new DistributedOptions
{
    CollectiveTimeout = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 60),
    OnFatal = message => Console.Error.WriteLine($"error: {message}"),
};
if (scenario is "finetune" or "pretrain") return Train(scenario, args[3], args[4]);
if (scenario == "contrast") return Contrast();
if (scenario == "pretraining") return Pretraining();
if (scenario != "values") return Fail(scenario);

LivtRuntime.Initialize(threads: 1);
using var group = ProcessGroups.FromEnvironment(CPU, options);
var results = new Dictionary<string, Tensor>();
var metadata = new Dictionary<string, string> { ["rank"] = $"{group.Rank}", ["world"] = $"{group.WorldSize}", ["backend"] = group.Backend };
int rank = group.Rank;
Collectives();
Gradients();
SafeTensors.Write(Path.Combine(outDir, $"rank{rank}.safetensors"), results, metadata);
return 0;

int Train(string stage, string overridesPath, string mode)
{
    var overrides = (JsonObject)JsonNode.Parse(File.ReadAllText(overridesPath))!;
    var parallel = (ProcessGroupParallel)ProcessGroupParallel.Join(LaunchEnvironment.Detect(), CPU, options);
    using var owner = parallel;
    var context = new RunContext { Parallel = parallel };
    if (mode == "every-rank-writes")
    {
        overrides["out"] = Path.Combine(outDir, $"rank{parallel.Rank}");
        context = context with { Parallel = new EveryRankWrites(parallel) };
    }
    else
    {
        overrides["out"] = outDir;
        var at = mode.Split(':');
        context = context with { Observer = new KillAt(int.Parse(at[1]), int.Parse(at[2])) };
    }
    var config = ConfigResolver.Resolve(stage, ConfigResolver.ReadRecipe(QuickStart.Recipe), overrides);
    if (stage == "pretrain") new PretrainRunner(config, context: context).Run();
    else new FinetuneRunner(config, context: context).Run();
    return 0;
}

int Pretraining()
{
    LivtRuntime.Initialize(threads: 1);
    using var parallel = (ProcessGroupParallel)ProcessGroupParallel.Join(LaunchEnvironment.Detect(), CPU, options);
    int r = parallel.Rank;
    var saved = new Dictionary<string, Tensor>();
    using var generator = new Generator(3);
    foreach (var method in PretrainingBatch.Objectives)
    {
        using var objective = PretrainingBatch.Objective(method, parallel);
        using var views = PretrainingBatch.Views(parallel.WorldSize);
        using var loss = objective.Loss(PretrainingBatch.Rows(views, r), new StepContext(0, 0, 0, r, generator));
        loss.backward();
        saved[$"{method}.loss"] = loss.detach().clone();
        foreach (var (name, p) in objective.Model.named_parameters())
            if (p.grad is { } grad) saved[$"{method}.grad.{name}"] = grad.clone();
        foreach (var (name, b) in objective.Model.named_buffers())
            if (name.EndsWith("running_mean", StringComparison.Ordinal)) saved[$"{method}.buffer.{name}"] = b.clone();
    }
    var gather = Livt.Training.Contrastive.ProcessGather.For(parallel)!;
    var (z1, z2) = PretrainingBatch.Features(parallel.WorldSize);
    foreach (var (name, sigma) in new[] { ("dcl", (double?)null), ("dclw", 0.5) })
    {
        var a = PretrainingBatch.Rows(z1, r).detach().requires_grad_(true);
        var b = PretrainingBatch.Rows(z2, r).detach().requires_grad_(true);
        var loss = Livt.Training.Pretraining.Dcl.DclLoss.OneWay(a, b, 0.1, sigma, gather, r) + Livt.Training.Pretraining.Dcl.DclLoss.OneWay(b, a, 0.1, sigma, gather, r);
        loss.backward();
        saved[$"{name}.loss"] = loss.detach().clone();
        saved[$"{name}.grad.z1"] = a.grad!.clone();
        saved[$"{name}.grad.z2"] = b.grad!.clone();
    }
    var student = PretrainingBatch.Rows(z1, r).detach().requires_grad_(true);
    var image = Livt.Training.Pretraining.MimCo.MimCoLoss.ImageLevel(student, PretrainingBatch.Rows(z2, r), 0.2, gather, r);
    image.backward();
    saved["mimco.loss"] = image.detach().clone();
    saved["mimco.grad.student"] = student.grad!.clone();
    SafeTensors.Write(Path.Combine(outDir, $"rank{r}.safetensors"), saved);
    return 0;
}

int Contrast()
{
    LivtRuntime.Initialize(threads: 1);
    using var parallel = (ProcessGroupParallel)ProcessGroupParallel.Join(LaunchEnvironment.Detect(), CPU, options);
    int r = parallel.Rank;
    var gather = Livt.Training.Contrastive.ProcessGather.For(parallel)!;
    var batch = ContrastBatch.Make(parallel.WorldSize);
    var mine = batch.Slice(r);
    var saved = new Dictionary<string, Tensor>();
    var loss = new Livt.Losses.Contrastive.BclLoss(ContrastBatch.Counts).Forward(mine.Logits, torch.nn.functional.normalize(mine.Views, dim: 2),
        torch.nn.functional.normalize(batch.Centers, dim: 1), mine.Labels, gather, r).Total;
    loss.backward();
    saved["loss"] = loss.detach().clone();
    saved["grad.views"] = mine.Views.grad!.clone();
    saved["grad.logits"] = mine.Logits.grad!.clone();
    saved["grad.centers"] = batch.Centers.grad!.clone();

    using var keys = torch.nn.functional.normalize(mine.Views.detach().select(1, 0), dim: 1).to(ScalarType.Float32);
    using var queue = new Livt.Losses.Contrastive.LabeledFeatureQueue(ContrastBatch.QueueSize, ContrastBatch.Dim);
    using var balanced = new Livt.Losses.Contrastive.ClassBalancedQueue(ContrastBatch.Counts.Length, 2, ContrastBatch.Dim, seed: 9);
    using var centroids = new Livt.Losses.Contrastive.TargetAssignment(ContrastBatch.Counts.Length, ContrastBatch.Dim, seed: 9);
    for (int i = 0; i < 2; i++)
    {
        queue.Enqueue(keys, mine.Labels, gather);
        balanced.Enqueue(keys, mine.Labels, gather);
    }
    centroids.Update(keys, mine.Labels, gather);
    foreach (var (name, t) in queue.State()) saved[name] = t.clone();
    foreach (var (name, t) in balanced.State("balanced.")) saved[name] = t.clone();
    saved["centroids"] = centroids.Centroids.clone();
    SafeTensors.Write(Path.Combine(outDir, $"rank{r}.safetensors"), saved);
    return 0;
}

// The failure scenarios use a barrier, which needs no tensor, so they do not pay for loading libtorch.
int Fail(string scenario)
{
    using var group = MpiProcessGroup.Start(LaunchEnvironment.Detect(), options);
    switch (scenario)
    {
        case "stall":
            // Rank 1 is alive but never joins: only the watchdog can end rank 0's wait.
            if (group.Rank == 1) Thread.Sleep(TimeSpan.FromMinutes(10));
            else group.Barrier();
            return 0;
        case "exit":
            // Rank 1 fails (non-zero exit, no MPI_Finalize), as a process does after an error.
            if (group.Rank == 1) return 3;
            group.Barrier();
            return 0;
        case "finish":
            // Rank 1 finishes normally while rank 0 is busy outside MPI for longer than the timeout (as
            // when it writes a large checkpoint): only rank 1's wait in MPI_Finalize is watched.
            if (group.Rank == 0) Thread.Sleep(TimeSpan.FromMinutes(10));
            return 0;
        default:
            throw new ArgumentException($"unknown scenario {scenario}");
    }
}

void Save(string name, Tensor tensor) => results[name] = tensor.detach().clone();

void Collectives()
{
    // Distinct values per rank and element, so a sum, a gather order or a root mix-up all show.
    var f32 = torch.arange(15, dtype: ScalarType.Float32).reshape(5, 3) * 0.25f + rank * 100;
    Save("allreduce_f32_in", f32);
    group.AllReduce(f32);
    Save("allreduce_f32_out", f32);

    var f64 = torch.arange(7, dtype: ScalarType.Float64) * 1e-3 + rank * 1e6;
    Save("allreduce_f64_in", f64);
    group.AllReduce(f64);
    Save("allreduce_f64_out", f64);

    // Beyond float precision: an int64 sum must be exact.
    var i64 = torch.arange(3, dtype: ScalarType.Int64) + (1L << 40) * (rank + 1);
    Save("allreduce_i64_in", i64);
    group.AllReduce(i64);
    Save("allreduce_i64_out", i64);

    int root = group.WorldSize - 1;
    var b = torch.full([2, 4], rank + 0.5f);
    Save("broadcast_in", b);
    group.Broadcast(b, root);
    Save("broadcast_out", b);

    var g = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3) + rank * 10;
    Save("allgather_in", g);
    using var gathered = group.AllGather(g);
    Save("allgather_out", gathered);

    // A view into a larger tensor: the collective must act on the view's own memory only.
    var big = torch.full([3, 4], (float)rank);
    group.AllReduce(big[1]);
    Save("allreduce_view_out", big);

    group.Barrier();
}

void Gradients()
{
    // Different weights on every rank until the broadcast; a BatchNorm brings float and int64 buffers.
    torch.manual_seed(1000 + rank);
    var config = ModelPresets.Get(ModelPresets.QuickStart) with { EmbedDim = 16, NumHeads = 2, Depth = 1, NumClasses = 3 };
    using var vit = new VisionTransformer(config);
    using var norm = nn.BatchNorm1d(3);
    using var onlyRank0 = nn.Linear(3, 2);   // used by rank 0 only: rank 1 has no gradient for it
    using var unused = nn.Linear(2, 2);      // used by no rank: no gradient anywhere
    using (torch.no_grad())
    {
        norm.running_mean!.fill_(rank + 1);
        norm.num_batches_tracked!.fill_(10 * (rank + 1));
    }
    var modules = new (string Prefix, nn.Module Module)[] { ("vit", vit), ("norm", norm), ("only_rank0", onlyRank0), ("unused", unused) };
    var named = modules.SelectMany(m => m.Module.named_parameters().Select(p => ($"{m.Prefix}.{p.name}", p.parameter))).ToArray();
    foreach (var (name, p) in named) Save($"init/{name}", p);
    foreach (var (prefix, module) in modules)
        foreach (var (name, buffer) in module.named_buffers()) Save($"init_buffer/{prefix}.{name}", buffer);

    foreach (var (_, module) in modules) GradientSynchronizer.BroadcastParameters(group, module);
    foreach (var (name, p) in named) Save($"synced/{name}", p);
    foreach (var (prefix, module) in modules)
        foreach (var (name, buffer) in module.named_buffers()) Save($"synced_buffer/{prefix}.{name}", buffer);

    // Gradients live in a parameter store, as in training: zero until a backward adds to them.
    using var store = ParameterStore.Create([new ParamGroupSpec
    {
        LayerId = 0, LrScale = 1, WeightDecay = 0, Names = named.Select(n => n.Item1).ToArray(), Parameters = named.Select(n => n.Item2).ToArray(),
    }]);

    // Each rank's own batch, so the gradients differ.
    torch.manual_seed(2000 + rank);
    using (var scope = torch.NewDisposeScope())
    {
        var logits = norm.call(vit.call(torch.randn(4, 1, 28, 28)));
        var loss = logits.pow(2).mean();
        if (rank == 0) loss = loss + onlyRank0.call(logits).sum();
        loss.backward();
    }
    foreach (var (name, p) in named) Save($"grad/{name}", p.grad!);

    // A tiny bucket size forces several all-reduces, including pieces that cut through a parameter.
    var sync = new GradientSynchronizer(group, store, bucketBytes: 2048);
    metadata["buckets"] = $"{sync.BucketCount}";
    sync.AverageGradients();
    foreach (var (name, p) in named) Save($"averaged/{name}", p.grad!);
}

/// <summary>The real data-parallel calls, but every rank writes (into its own run folder), so a test
/// can compare the weights each rank ended with.</summary>
internal sealed class EveryRankWrites(IDataParallel inner) : IDataParallel
{
    public IProcessGroup Group => inner.Group;
    public int Rank => inner.Rank;
    public int WorldSize => inner.WorldSize;
    public bool IsWriter => true;
    public void BroadcastParameters(nn.Module model) => inner.BroadcastParameters(model);
    public void AverageGradients(ParameterStore store) => inner.AverageGradients(store);
    public ISampler Shard(ISampler sampler) => inner.Shard(sampler);
    public double Sum(double value) => inner.Sum(value);
}

/// <summary>Abandons the run after a given step, as a killed process does (nothing more is written).</summary>
internal sealed class KillAt(int epoch, int step) : ITrainingObserver
{
    public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir) { }
    public void StepCompleted(StepProgress s)
    {
        if (s.Epoch == epoch && s.Step == step) Environment.Exit(9);
    }
    public void EpochCompleted(EpochSummary e) { }
    public void Message(string text) { }
}

/// <summary>The "contrast" scenario's global batch: every rank draws the same seeded tensors and takes its
/// slice; the test draws them again to compute what one process gets on the whole batch.</summary>
public sealed record ContrastBatch(Tensor Views, Tensor Logits, Tensor Centers, Tensor Labels)
{
    public const int PerRank = 4, Dim = 6, QueueSize = 6;
    public static readonly long[] Counts = [500, 200, 80, 20, 5];
    private static readonly long[] LabelPattern = [0, 1, 1, 4, 0, 2, 0, 1, 3, 0];

    /// <summary>The batch of <paramref name="world"/> ranks (float64): views [W·4, 2, 6], logits [W·4, 5],
    /// class centres [5, 6] (a leaf with gradient), labels [W·4].</summary>
    public static ContrastBatch Make(int world)
    {
        using var g = new Generator(17);
        int n = PerRank * world;
        var views = torch.randn([n, 2, Dim], dtype: ScalarType.Float64, generator: g);
        var logits = torch.randn([n, Counts.Length], dtype: ScalarType.Float64, generator: g);
        var centers = torch.randn([Counts.Length, Dim], dtype: ScalarType.Float64, generator: g).requires_grad_(true);
        var labels = torch.tensor(Enumerable.Range(0, n).Select(i => LabelPattern[i % LabelPattern.Length]).ToArray());
        return new(views, logits, centers, labels);
    }

    /// <summary>Rank <paramref name="rank"/>'s rows, views and logits as leaves with gradient; the centres shared.</summary>
    public ContrastBatch Slice(int rank)
    {
        var rows = (rank * PerRank)..((rank + 1) * PerRank);
        return new(Views[rows].detach().clone().requires_grad_(true), Logits[rows].detach().clone().requires_grad_(true), Centers, Labels[rows]);
    }
}

/// <summary>The "pretraining" scenario's objectives and global batch: every rank builds the same objective from the
/// run seed and takes its slice of the same seeded views; the test builds them again in one process.</summary>
public static class PretrainingBatch
{
    public const int PerRank = 4;

    /// <summary>The methods whose whole objective is compared (synchronised BatchNorm, gathered keys).</summary>
    public static readonly string[] Objectives = ["moco-v3", "byol"];

    /// <summary><paramref name="method"/>'s run on a tiny ViT (8 px, patch 4, 16-d), fp32.</summary>
    public static TrainConfig Config(string method) =>
        ConfigResolver.Resolve("pretrain", ConfigResolver.ReadRecipe(QuickStart.Recipe), new JsonObject
        {
            ["method"] = method, ["precision"] = "fp32", ["epochs"] = 1, ["warmup_epochs"] = 0, ["seed"] = 1,
            ["input_size"] = 8, ["patch_size"] = 4, ["embed_dim"] = 16, ["depth"] = 1, ["num_heads"] = 2,
            ["ssl_hidden_dim"] = 16, ["ssl_proj_dim"] = 8, ["ssl_momentum"] = 0.9,
        });

    /// <summary>The encoder of <paramref name="config"/> on 1-channel images.</summary>
    public static VitConfig Vit(TrainConfig config) => RunSetup.ModelConfig(config, channels: 1, numClasses: 3, dropPath: 0);

    /// <summary><paramref name="method"/>'s objective as one of <paramref name="parallel"/>'s processes (its weights
    /// drawn from the run seed, the same on every process).</summary>
    internal static Livt.Training.Pretraining.IPretrainingObjective Objective(string method, IDataParallel parallel)
    {
        var config = Config(method);
        var setup = new Livt.Training.Pretraining.PretrainingSetup(config, Vit(config), PrecisionPolicy.Resolve("fp32", CPU), CPU, parallel, 4, NullTrainingObserver.Instance);
        return Livt.Training.Pretraining.PretrainingMethods.Get(method).Create(setup);
    }

    /// <summary>Two views of <paramref name="world"/>·4 images [W·4, 2, 1, 8, 8].</summary>
    public static Tensor Views(int world)
    {
        using var g = new Generator(11);
        return torch.randn([PerRank * world, 2, 1, 8, 8], generator: g);
    }

    /// <summary>Unit features of two views [W·4, 6] (float64) for the losses alone.</summary>
    public static (Tensor Z1, Tensor Z2) Features(int world)
    {
        using var g = new Generator(13);
        var z1 = torch.nn.functional.normalize(torch.randn([PerRank * world, 6], dtype: ScalarType.Float64, generator: g), dim: 1);
        var z2 = torch.nn.functional.normalize(torch.randn([PerRank * world, 6], dtype: ScalarType.Float64, generator: g), dim: 1);
        return (z1, z2);
    }

    /// <summary>Rank <paramref name="rank"/>'s rows.</summary>
    public static Tensor Rows(Tensor all, int rank) => all[(rank * PerRank)..((rank + 1) * PerRank)];
}
