using System.Globalization;
using Livt.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>τ-normalisation (Kang et al., ICLR 2020): w_c / ‖w_c‖^τ, no training; τ given, or chosen on the
/// validation split.</summary>
public sealed class TauNormStage : SecondStage
{
    /// <inheritdoc/>
    public override string Name => "tau-norm";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Aliases => ["taunorm"];

    /// <inheritdoc/>
    public override string Summary => "w_c / ||w_c||^tau, no training";

    /// <inheritdoc/>
    public override bool Trains => false;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Flags => ["--tau", "--keep-bias"];

    /// <inheritdoc/>
    public override bool ChoosesOnValidation(RetrainHeadOptions options) => options.Tau is null;

    /// <inheritdoc/>
    public override void Validate(RetrainHeadOptions options)
    {
        if (options.Tau is { } tau && !double.IsFinite(tau)) throw new LivtException($"--tau {tau}: must be a finite number or auto");
    }

    internal override HeadFit Fit(HeadFitInputs x)
    {
        using var _ = torch.no_grad();
        var bias = x.Options.KeepBias ? x.HeadBias.detach().clone() : torch.zeros_like(x.HeadBias);
        TunedValue? tuned = null;
        double tau;
        if (x.Options.Tau is { } given) tau = given;
        else
        {
            var val = x.Validation!;
            tuned = ValidationSearch.Select("tau_norm_tau", ValidationSearch.TauGrid,
                t => nn.functional.linear(val.Features, TauNormalization.Apply(x.HeadWeight, t), bias), val.Labels, x.ValidationNote!);
            tau = tuned.Value;
            x.Observer.Message(string.Create(CultureInfo.InvariantCulture,
                $"τ = {tau:G3} chosen on validation (balanced accuracy {tuned.ValidationBalancedAccuracy[Array.IndexOf(tuned.Grid, tau)]:F2} %)"));
        }
        var weight = TauNormalization.Apply(x.HeadWeight, tau);
        return new HeadFit(weight, bias, tuned, double.NaN,
            string.Create(CultureInfo.InvariantCulture,
                $"τ-norm (τ = {tau:G3}{(tuned is null ? "" : ", chosen on validation")}{(x.Options.KeepBias ? ", bias kept" : "")})"));
    }
}
