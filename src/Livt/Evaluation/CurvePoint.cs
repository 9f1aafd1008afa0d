namespace Livt.Evaluation;

/// <summary>One point of a training curve: what was measured at <paramref name="Epoch"/> (fractional
/// within an epoch) of <paramref name="Stage"/> ("mgp", "bft", ...); a quantity not measured is null.</summary>
public sealed record CurvePoint(string Stage, double Epoch, double? Loss, double? Lr, double? Top1);
