using Livt.Augmentation;
using Livt.Configuration;
using Livt.Engine;
using Livt.Interop;
using Livt.Losses.Contrastive;
using Livt.Methods;
using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Contrastive;

/// <summary>
/// One supervised contrastive long-tail method as a training stage runs it: the contrastive ViT, the
/// method's views, the loss of a batch of views, and its training state (queues, targets, a momentum
/// encoder). It is one module, so a checkpoint of it — <c>model.*</c> plus the state's buffers and
/// sub-modules — carries everything a resumed run needs.
/// </summary>
internal abstract class ContrastiveMethod : nn.Module
{
    private readonly Dictionary<string, Tensor> _state = new();

    protected ContrastiveMethod(string name, ContrastiveVisionTransformer model) : base(name)
    {
        Model = model;
        register_module("model", model);
    }

    /// <summary>The trained model: the ViT classifier (timm names under <c>vit.</c>) and its heads.</summary>
    public ContrastiveVisionTransformer Model { get; }

    /// <summary>Concatenates a tensor over the job's processes in rank order (<see cref="ProcessGather"/>),
    /// or null in one process: queues and centroids take every rank's keys, BCL contrasts the global batch.</summary>
    protected Func<Tensor, Tensor>? Gather { get; private set; }

    /// <summary>This process's rank (where its rows sit in a gathered batch).</summary>
    protected int Rank { get; private set; }

    /// <summary>Trains as one of <paramref name="parallel"/>'s processes (before the first step).</summary>
    public void UseProcesses(IDataParallel parallel)
    {
        Gather = ProcessGather.For(parallel);
        Rank = parallel.Rank;
    }

    /// <summary>The views every training sample is turned into.</summary>
    public abstract MultiViewTransform Views(int inputSize, float[] mean, float[] std);

    /// <summary>The loss of a batch of views [N, V, C, H, W] with labels [N], and its terms; updates the
    /// state (queues, centroids, momentum encoder) for the next step.</summary>
    public abstract LossTerms Loss(Tensor views, Tensor labels, StepContext step);

    /// <summary>The epoch at which the official code re-creates the optimizer and restarts the schedule
    /// (<see cref="ITrainingStage.RestartEpoch"/>), or null.</summary>
    public virtual int? RestartEpoch => null;

    /// <summary>Called before the first step of an epoch, also right after a checkpoint was loaded into
    /// this module: brings the state's bookkeeping (queue pointers) back in line with its buffers.</summary>
    public virtual void BeginEpoch(int epoch) { }

    /// <summary>The classifier as a plain <see cref="VisionTransformer"/> (eval mode, on
    /// <paramref name="device"/>): what <c>livt evaluate</c> and <c>predict</c> load.</summary>
    public VisionTransformer Classifier(Device device)
    {
        // Its initial draws are overwritten at once; a local generator keeps them off the global one.
        using var scratch = new Generator(0);
        var classifier = new VisionTransformer(Model.Vit.Config, scratch);
        var weights = Model.ClassifierWeights();
        try
        {
            StateDictLoader.Load(classifier, weights, strict: true);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
        classifier.to(device);
        classifier.eval();
        return classifier;
    }

    /// <summary>The method for <c>--loss</c> <paramref name="loss"/>: its model initialised from
    /// <paramref name="generator"/>, the MGP encoder loaded by <paramref name="loadEncoder"/> before any
    /// momentum copy is made, everything on <paramref name="device"/>.</summary>
    public static ContrastiveMethod Create(string loss, TrainConfig config, VitConfig vit, long[] counts, Device device,
        Generator generator, Action<VisionTransformer> loadEncoder, Func<int, int, Tensor> tscTargets)
    {
        ContrastiveVisionTransformer Model(ProjectionHeadConfig head, ProjectionHeadConfig? centre = null, double? cosine = null)
        {
            var model = new ContrastiveVisionTransformer(vit, head, centre, cosine, generator);
            loadEncoder(model.Vit);
            model.to(device);
            return model;
        }
        // MoCo's key encoder: its weights are overwritten with the online model's, so its own draw does not matter.
        ContrastiveVisionTransformer KeyEncoder(ProjectionHeadConfig head)
        {
            using var scratch = new Generator(0);
            var key = new ContrastiveVisionTransformer(vit, head, generator: scratch);
            key.to(device);
            return key;
        }
        int d = vit.EmbedDim;
        switch (LongTailMethods.Find(loss) is { Kind: MethodKind.Contrastive } method ? method.Name : null)
        {
            case "gpaco":
            {
                var o = TrainConfigRules.GpacoOptions(config);
                return new GpacoMethod(Model(ProjectionHeadConfig.Gpaco(d, o.ProjectionDim)), counts, o, device);
            }
            case "paco":
            {
                var o = TrainConfigRules.GpacoOptions(config);
                var head = ProjectionHeadConfig.Gpaco(d, o.ProjectionDim);
                return new PacoMethod(Model(head), KeyEncoder(head), counts, o, device);
            }
            case "bcl":
            {
                var o = TrainConfigRules.BclOptions(config);
                var model = Model(ProjectionHeadConfig.Bcl(d, o.ProjectionDim), ProjectionHeadConfig.Bcl(d, o.ProjectionDim),
                    o.CosineClassifier ? o.CosineScale : null);
                return new BclMethod(model, counts, o);
            }
            case "tsc":
            {
                var o = TrainConfigRules.TscOptions(config);
                var head = ProjectionHeadConfig.Tsc(d, o.ProjectionDim);
                return new TscMethod(Model(head), KeyEncoder(head), counts, o, tscTargets(counts.Length, o.ProjectionDim), config.Epochs, config.Seed, device);
            }
            case "rescom":
            {
                var o = TrainConfigRules.ResComOptions(config);
                o = o with { HardNegatives = Math.Min(o.HardNegatives, o.QueuePerClass * (counts.Length - 1)) };
                return new ResComMethod(Model(ProjectionHeadConfig.ResCom(d, o.ProjectionDim)), counts, o, config.Seed, device);
            }
            default:
                throw new LivtException($"--loss {loss}: not a contrastive method (known: " +
                    $"{string.Join(", ", LongTailMethods.OfKind(MethodKind.Contrastive))})");
        }
    }

    /// <summary>Registers a state's tensors (a queue's <c>State()</c>) as buffers, named with '_' for '.'.</summary>
    protected void RegisterState(IReadOnlyDictionary<string, Tensor> state)
    {
        foreach (var (key, tensor) in state)
        {
            _state[key] = tensor;
            register_buffer(key.Replace('.', '_'), tensor);
        }
    }

    /// <summary>Copies a state's fresh tensors (a queue's pointers, made anew by every <c>State()</c>) into
    /// the registered buffers; the live ones (its keys) are the buffers already.</summary>
    protected void SyncState(IReadOnlyDictionary<string, Tensor> state)
    {
        using var _ = torch.no_grad();
        foreach (var (key, tensor) in state)
        {
            var registered = _state[key];
            if (ReferenceEquals(registered, tensor)) continue;
            registered.copy_(tensor);
            tensor.Dispose();
        }
    }

    /// <summary>The registered state tensors, under the names the state's <c>Load</c> reads.</summary>
    protected IReadOnlyDictionary<string, Tensor> RegisteredState => _state;

    /// <summary>MoCo's keys (PaCo, TSC): the key encoder moved by momentum first, then run on
    /// <paramref name="view"/> without gradient and in eval mode.</summary>
    protected static Tensor MomentumKeys(MomentumEncoder momentum, ContrastiveVisionTransformer key, Tensor view)
    {
        momentum.Update();
        using var _ = torch.no_grad();
        key.eval();
        using var pooled = key.Vit.ForwardFeatures(view);
        return key.Project(pooled);
    }

    /// <summary>[N, V, C, H, W] → [V·N, C, H, W], view-major: the views as one batch, as the official code
    /// concatenates them (so BatchNorm in a head sees all of them).</summary>
    protected static Tensor ViewMajor(Tensor views) =>
        views.transpose(0, 1).reshape(views.shape[0] * views.shape[1], views.shape[2], views.shape[3], views.shape[4]);

    /// <summary>View-major rows [V·N, P] → [N, V, P].</summary>
    protected static Tensor SplitViews(Tensor rows, int views) => rows.view(views, -1, rows.shape[1]).transpose(0, 1);
}
