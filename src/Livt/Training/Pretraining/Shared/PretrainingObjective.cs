using Livt.Engine;
using Livt.Optimization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Shared;

/// <summary>
/// The parts every objective holds, built as a run's stage parts are (<see cref="StageModel{TModel}"/>): the fp32
/// module on its device, its trainable parameters in a store grouped by the method's weight-decay rule, the run's optimizer
/// over it at the run's learning rate, and the bf16 working copy when the run computes in bf16. A method adds its loss and its export.
/// </summary>
internal abstract class PretrainingObjective<TModule> : IPretrainingObjective where TModule : nn.Module
{
    private readonly StageModel<TModule> _parts;

    /// <summary>Takes parts already built (MAE's, by <see cref="StageModel.Autoencoder"/>).</summary>
    protected PretrainingObjective(StageModel<TModule> parts) => _parts = parts;

    /// <summary>Builds the parts around <paramref name="model"/> (already on the setup's device, in its final dtype:
    /// the store re-points its parameters); <paramref name="create"/> makes another instance of its architecture
    /// for the bf16 copy.</summary>
    protected PretrainingObjective(PretrainingSetup setup, TModule model, Func<TModule> create, IReadOnlyList<ParamGroupSpec> groups)
    {
        var store = ParameterStore.Create(groups, MixedPrecision.StoreOrder(model));
        var optimizer = setup.Config.CreateOptimizer(store, setup.Config.ResolvedLr(setup.Parallel.WorldSize));
        _parts = new StageModel<TModule>(model, MixedPrecision.For(setup.Precision, model, store, create, setup.Device), optimizer);
    }

    /// <summary>The fp32 module.</summary>
    protected TModule Master => _parts.Model;

    /// <summary>The bf16 working copy, or null in fp32.</summary>
    protected TModule? Work => (TModule?)_parts.Precision?.Work;

    /// <summary>The module that computes the loss: the working copy under bf16, else the fp32 one.</summary>
    protected TModule Compute => Work ?? Master;

    public nn.Module Model => _parts.Model;
    public MixedPrecision? Precision => _parts.Precision;
    public FlatOptimizer Optimizer => _parts.Optimizer;

    public abstract Tensor Loss(Tensor images, StepContext step);
    public abstract PretrainedWeights Export();

    public virtual void Dispose() => _parts.Dispose();

    /// <summary>One group with every trainable parameter decayed by <paramref name="weightDecay"/>: the official
    /// MoCo v3 and DCL optimizers take <c>model.parameters()</c> whole.</summary>
    protected static IReadOnlyList<ParamGroupSpec> AllDecayed(IEnumerable<(string Name, Parameter Param)> named, double weightDecay)
    {
        var trainable = named.Where(p => p.Param.requires_grad).ToList();
        return [new ParamGroupSpec
        {
            LayerId = 0, LrScale = 1, WeightDecay = weightDecay,
            Names = trainable.Select(p => p.Name).ToList(), Parameters = trainable.Select(p => p.Param).ToList(),
        }];
    }

    /// <summary>[N, V, C, H, W] → view <paramref name="v"/> [N, C, H, W].</summary>
    protected static Tensor View(Tensor views, int v)
    {
        if (views.dim() != 5 || views.shape[1] <= v)
            throw new InvalidOperationException($"expected a batch of views [N, V, C, H, W] with at least {v + 1} views, got " +
                $"[{string.Join(", ", views.shape)}]");
        return views.select(1, v);
    }
}
