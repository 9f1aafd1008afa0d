namespace Livt.Optimization;

/// <summary>
/// The MAE/LiVT learning-rate schedule (<c>util/lr_sched.py</c>): linear warm-up from 0 to
/// <see cref="Lr"/> over <see cref="WarmupEpochs"/>, then a half-cycle cosine down to <see cref="MinLr"/>
/// at <see cref="Epochs"/>. Set per iteration with a fractional epoch (step / steps per epoch + epoch).
/// With <see cref="RestartEpoch"/> the run is two schedules, as TSC's official script runs its KCL and TSC
/// phases: warm-up and cosine down to <see cref="MinLr"/> at the restart, then a fresh cosine from
/// <see cref="Lr"/> (no warm-up) to <see cref="MinLr"/> at <see cref="Epochs"/>.
/// </summary>
/// <exception cref="LivtException">A negative or non-finite rate, or warm-up not shorter than training.</exception>
public sealed record LrSchedule(double Lr, double MinLr, double WarmupEpochs, double Epochs)
{
    /// <summary>Total training epochs (the cosine reaches <see cref="MinLr"/> there).</summary>
    public double Epochs { get; init; } = Validated(Lr, MinLr, WarmupEpochs, Epochs);

    /// <summary>Where the schedule starts again (0 &lt; RestartEpoch &lt; Epochs, after the warm-up), or null.</summary>
    public double? RestartEpoch
    {
        get => _restart;
        init
        {
            if (value is { } r && !(r > WarmupEpochs && r < Epochs))
                throw new LivtException($"lr schedule: the restart at epoch {r} must come after the warm-up ({WarmupEpochs} epochs) and before " +
                    $"the end ({Epochs})");
            _restart = value;
        }
    }

    private readonly double? _restart;

    /// <summary>The (unscaled) learning rate at a fractional epoch.</summary>
    public double At(double epoch)
    {
        if (_restart is { } r && epoch >= r) return Cosine((epoch - r) / (Epochs - r));
        if (epoch < WarmupEpochs) return Lr * epoch / WarmupEpochs;
        return Cosine((epoch - WarmupEpochs) / ((_restart ?? Epochs) - WarmupEpochs));
    }

    private double Cosine(double progress) => MinLr + (Lr - MinLr) * 0.5 * (1.0 + Math.Cos(Math.PI * progress));

    /// <summary>Sets the optimizer's lr to At(epoch); each element's rate is that times its group's lr scale.</summary>
    public void Apply(FlatOptimizer optimizer, double epoch) => optimizer.Lr = At(epoch);

    /// <summary>Absolute lr from a base lr: blr · effectiveBatch / 256 (the linear scaling rule).</summary>
    public static double FromBase(double blr, int effectiveBatch) => blr * effectiveBatch / 256;

    private static double Validated(double lr, double minLr, double warmup, double epochs)
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new LivtException($"lr schedule: {message}");
        }
        Require(double.IsFinite(lr) && lr >= 0, $"lr = {lr} must be finite and ≥ 0");
        Require(double.IsFinite(minLr) && minLr >= 0, $"min_lr = {minLr} must be finite and ≥ 0");
        Require(double.IsFinite(warmup) && warmup >= 0, $"warmup_epochs = {warmup} must be finite and ≥ 0");
        Require(double.IsFinite(epochs) && epochs > warmup, $"epochs = {epochs} must be greater than warmup_epochs = {warmup}");
        return epochs;
    }
}
