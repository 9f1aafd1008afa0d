using TorchSharp;
using TorchSharp.Modules;

namespace Livt.Engine.Optimization;

/// <summary>Builds the optimizers of the recipes.</summary>
public static class OptimizerFactory
{
    /// <summary>
    /// TorchSharp AdamW with one parameter group per spec, in the specs' order: the group's weight decay
    /// and lr = <paramref name="lr"/> · LrScale (the schedule overwrites lr every iteration through
    /// <see cref="LrSchedule.Apply"/>).
    /// </summary>
    public static torch.optim.Optimizer AdamW(IReadOnlyList<ParamGroupSpec> groups, double lr, double beta1, double beta2, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0) throw new ArgumentException("no parameter groups: the model has no trainable parameters", nameof(groups));
        var paramGroups = groups.Select(g => new AdamW.ParamGroup(g.Parameters, lr * g.LrScale, beta1, beta2, eps, g.WeightDecay));
        return new AdamW(paramGroups, lr, beta1, beta2, eps);
    }
}
