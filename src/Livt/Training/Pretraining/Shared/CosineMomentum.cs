namespace Livt.Training.Pretraining.Shared;

/// <summary>The momentum schedule of MoCo v3 (<c>adjust_moco_momentum</c>, <c>--moco-m-cos</c>) and BYOL
/// (<c>schedules.target_ema</c>): from its base value at the start to 1 at the end on a half cosine,
/// m = 1 − (1 − m₀)·(1 + cos(π·t)) / 2 for the run's position t in [0, 1].</summary>
internal static class CosineMomentum
{
    /// <summary>The momentum at position <paramref name="progress"/> (clamped to [0, 1]) of a run that starts at <paramref name="baseMomentum"/>.</summary>
    public static double At(double baseMomentum, double progress) =>
        1 - 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0, 1))) * (1 - baseMomentum);
}
