namespace Livt.Evaluation;

/// <summary>One epoch of a training curve.</summary>
public sealed record CurvePoint(string Stage, double Epoch, double? Loss, double? Lr, double? Top1);
