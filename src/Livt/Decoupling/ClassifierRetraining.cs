using System.Globalization;
using Livt.Engine;
using Livt.Methods;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>cRT (Kang et al., ICLR 2020): a new linear head trained on the frozen features; with
/// <c>--keep-head --max-norm</c>, weight balancing's second stage (Alshammari et al., CVPR 2022): the
/// fine-tuned head retrained under a per-class norm cap.</summary>
public sealed class ClassifierRetraining : SecondStage
{
    /// <inheritdoc/>
    public override string Name => "crt";

    /// <inheritdoc/>
    public override string Summary => "new head, class-balanced sampling; --keep-head --max-norm: weight balancing's stage 2";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Flags => ["--keep-head", "--max-norm"];

    /// <inheritdoc/>
    public override bool Probes(RetrainHeadOptions options) => !options.KeepHead && options.MaxNorm is null;

    /// <inheritdoc/>
    public override void Validate(RetrainHeadOptions options)
    {
        if (options.MaxNorm is { } t && (!double.IsFinite(t) || t < 0)) throw new LivtException($"--max-norm {t}: must be a finite number ≥ 0");
    }

    internal override HeadFit Fit(HeadFitInputs x)
    {
        var o = x.Options;
        using var head = nn.Linear(x.HeadWeight.shape[1], x.HeadWeight.shape[0]);
        head.to(x.Device);
        using (torch.no_grad())
        {
            if (o.KeepHead)
            {
                head.weight!.copy_(x.HeadWeight);
                head.bias!.copy_(x.HeadBias);
            }
            else
            {
                // nn.Linear's own initialisation, U(±1/√fan_in) for weight and bias, redrawn from a generator
                // the run owns rather than libtorch's process-wide one.
                using var generator = new Generator((ulong)Seeds.Derive(x.Seed, 0, Seeds.Stream.Init));
                double bound = 1 / Math.Sqrt(x.HeadWeight.shape[1]);
                CpuRandom.Uniform_(head.weight!, -bound, bound, generator);
                CpuRandom.Uniform_(head.bias!, -bound, bound, generator);
            }
        }
        Action? project = null;
        string constraint = "";
        if (o.MaxNorm is { } t)
        {
            double radius = MaxNormProjection.Radius(x.HeadWeight, t);
            project = () => MaxNormProjection.Project(head.weight!, radius);
            constraint = string.Create(CultureInfo.InvariantCulture, $", MaxNorm {t:G3} (radius {radius:G4})");
        }
        double loss = x.Trainer.Train(head, [head.weight!, head.bias!], x.Train, x.Validation, x.Loss(), x.Sampler(), project);
        return new HeadFit(head.weight!.detach().clone(), head.bias!.detach().clone(), null, loss,
            $"cRT ({LongTailMethods.Find(o.Loss)?.Name}, {o.Sampler} sampling{(o.KeepHead ? ", from the fine-tuned head" : "")}{constraint}" +
            string.Create(CultureInfo.InvariantCulture, $", wd {o.WeightDecay:G3})"));
    }
}
