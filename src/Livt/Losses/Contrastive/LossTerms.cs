using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>
/// What a contrastive loss returns for one batch: the scalar to back-propagate and its named terms
/// (already weighted as they enter the total, detached, for logging).
/// </summary>
/// <param name="Total">The loss, a 0-dim tensor carrying the graph.</param>
/// <param name="Parts">The terms the total is made of (e.g. <c>ce</c>, <c>scl</c>), as plain numbers.</param>
public sealed record LossTerms(Tensor Total, IReadOnlyDictionary<string, double> Parts);
