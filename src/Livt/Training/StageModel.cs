using Livt.Configuration;
using Livt.Engine;
using Livt.Losses;
using Livt.Methods;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>
/// What a training stage trains, built from the run's config the one way the runners and <c>livt bench</c>
/// share, so the bench times the step a run takes: the fp32 model initialised from the run's seed and moved
/// to the device, its bf16 working copy when the run computes in bf16, the parameter groups (layer-wise
/// decay for BFT, weight decay for MGP) laid out in a parameter store, and the run's optimizer over it at the resolved learning rate.
/// </summary>
internal sealed class StageModel<TModel> : IDisposable where TModel : nn.Module
{
    internal StageModel(TModel model, MixedPrecision? precision, FlatOptimizer optimizer) =>
        (Model, Precision, Optimizer) = (model, precision, optimizer);

    /// <summary>The fp32 master weights.</summary>
    public TModel Model { get; }

    /// <summary>The bf16 working copy, or null in fp32.</summary>
    public MixedPrecision? Precision { get; }

    /// <summary>The run's optimizer (AdamW or SGD) over the model's parameter store.</summary>
    public FlatOptimizer Optimizer { get; }

    public void Dispose()
    {
        Precision?.Dispose();
        Optimizer.Dispose();
        Optimizer.Store.Dispose();
        Model.Dispose();
    }
}

/// <summary>Builds a <see cref="StageModel{TModel}"/> for each kind of stage.</summary>
internal static class StageModel
{
    /// <summary>The BFT classifier of <paramref name="modelConfig"/>: a ViT, SADE's multi-expert ViT when
    /// the loss trains experts (<see cref="IsExpertLoss"/>), or a CNN; <paramref name="load"/> puts pretrained
    /// weights (an MGP encoder) into it before it moves to <paramref name="device"/>.</summary>
    public static StageModel<ClassifierModel> Classifier(TrainConfig config, ArchitectureConfig modelConfig, PrecisionChoice precision,
        Device device, int worldSize, Action<ClassifierModel>? load = null) =>
        Classifier(config, modelConfig, precision, device, worldSize, load, init => modelConfig switch
        {
            ResNetConfig cnn => ResNet.Create(cnn, init),
            VitConfig vit when IsExpertLoss(config.Loss) => new MultiExpertVisionTransformer(vit, DiverseExpertLoss.NumExperts, config.ExpertBlocks, init),
            VitConfig vit => new VisionTransformer(vit, init),
            _ => throw new ArgumentException($"no classifier of a {modelConfig.GetType().Name}", nameof(modelConfig)),
        });

    /// <summary>The classifier <paramref name="create"/> builds from the run's initialisation generator, loaded,
    /// moved and given its parameter groups: layer-wise lr decay for a ViT (<paramref name="modelConfig"/>'s
    /// depth), weight-decay groups for a CNN, which has no layers to decay by.</summary>
    public static StageModel<ClassifierModel> Classifier(TrainConfig config, ArchitectureConfig modelConfig, PrecisionChoice precision,
        Device device, int worldSize, Action<ClassifierModel>? load, Func<Generator, ClassifierModel> create)
    {
        using var init = new Generator((ulong)Seeds.Derive(config.Seed, 0, Seeds.Stream.Init));
        var model = create(init);
        load?.Invoke(model);
        model.to(device);
        var groups = modelConfig is VitConfig vit
            ? ParamGroups.LayerDecay(model.named_parameters(), vit.Depth, config.WeightDecay, config.LayerDecay, model.EncoderName)
            : ParamGroups.WeightDecay(model.named_parameters(), config.WeightDecay);
        return Finish(config, model, model.NewOfSameArchitecture, groups, precision, device, worldSize);
    }

    /// <summary>True for a loss that trains several experts (SADE's diverse-expert loss).</summary>
    public static bool IsExpertLoss(string loss) => LongTailMethods.Find(loss)?.Kind == MethodKind.Experts;

    /// <summary>The loss of the classifier <c>Classifier</c> builds: SADE's over the experts, or the
    /// configured loss of <see cref="LossFactory"/>.</summary>
    public static LongTailLoss Loss(TrainConfig config, IReadOnlyList<long> classCounts) => IsExpertLoss(config.Loss)
        ? new DiverseExpertLoss(classCounts, config.SadeTau)
        : LossFactory.Create(config.Loss, classCounts, TrainConfigRules.LossOptions(config));

    /// <summary>The MGP masked autoencoder of <paramref name="modelConfig"/>.</summary>
    public static StageModel<MaskedAutoencoder> Autoencoder(TrainConfig config, VitConfig modelConfig, PrecisionChoice precision,
        Device device, int worldSize)
    {
        using var init = new Generator((ulong)Seeds.Derive(config.Seed, 0, Seeds.Stream.Init));
        var model = new MaskedAutoencoder(modelConfig, init);
        model.to(device);
        var groups = ParamGroups.WeightDecay(model.named_parameters(), config.WeightDecay);
        return Finish(config, model, () => new MaskedAutoencoder(modelConfig), groups, precision, device, worldSize);
    }

    private static StageModel<T> Finish<T>(TrainConfig config, T model, Func<nn.Module> create, IReadOnlyList<ParamGroupSpec> groups,
        PrecisionChoice precision, Device device, int worldSize) where T : nn.Module
    {
        var store = ParameterStore.Create(groups, MixedPrecision.StoreOrder(model));
        var optimizer = config.CreateOptimizer(store, config.ResolvedLr(worldSize));
        return new StageModel<T>(model, MixedPrecision.For(precision, model, store, create, device), optimizer);
    }
}
