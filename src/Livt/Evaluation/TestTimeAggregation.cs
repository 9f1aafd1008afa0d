using Livt.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Evaluation;

/// <summary>
/// SADE's test-time self-supervised aggregation (Vanint/SADE-AgnosticLT, <c>test_training_*.py</c>): the
/// experts' logits are combined as Σ_e softmax(w)_e · z_e, and the raw weights w (initialised to 1/E) are
/// learned on the unlabeled test images by maximising prediction stability — the mean cosine similarity
/// between the softmax predictions of two augmented views of each image — with SGD (momentum 0.9,
/// Nesterov, weight decay 5e-4; lr 0.025 on ImageNet-LT, 0.1 CIFAR-100-LT, 0.01 Places-LT, 0.2 iNat18),
/// 5 epochs, stopping after an epoch in which a weight (rounded to 2 decimals) fell below 0.05. The model
/// is frozen: only w learns. On a forward-LT test set the weights move to the forward expert, on a
/// backward-LT one to the backward expert.
/// </summary>
public sealed class TestTimeAggregation : IDisposable
{
    private readonly Parameter _raw;
    private readonly ParameterStore _store;
    private readonly Sgd _optimizer;

    /// <param name="numExperts">E (SADE: 3).</param>
    /// <param name="lr">SGD learning rate (SADE's ImageNet-LT value by default).</param>
    /// <param name="momentum">SGD momentum.</param>
    /// <param name="weightDecay">SGD weight decay on w.</param>
    /// <param name="device">Where the logits live; null for the CPU.</param>
    public TestTimeAggregation(int numExperts = 3, double lr = 0.025, double momentum = 0.9, double weightDecay = 5e-4, Device? device = null)
    {
        if (numExperts < 1) throw new ArgumentOutOfRangeException(nameof(numExperts), numExperts, "at least one expert");
        if (!(lr > 0)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "must be > 0");
        NumExperts = numExperts;
        using Scalar share = 1.0 / numExperts;
        _raw = new Parameter(torch.full(numExperts, share, dtype: ScalarType.Float32, device: device ?? CPU));
        _store = ParameterStore.Create(ParamGroups.Single([_raw], weightDecay));
        _optimizer = new Sgd(_store, lr, momentum, nesterov: true);
    }

    /// <summary>E.</summary>
    public int NumExperts { get; }

    /// <summary>The aggregation weights softmax(w), summing to 1.</summary>
    public double[] Weights
    {
        get
        {
            using var scope = torch.NewDisposeScope();
            return torch.softmax(_raw.detach(), 0).to(ScalarType.Float64).cpu().data<double>().ToArray();
        }
    }

    /// <summary>The raw weights w (what SGD updates).</summary>
    public double[] RawWeights
    {
        get
        {
            using var scope = torch.NewDisposeScope();
            return _raw.detach().to(ScalarType.Float64).cpu().data<double>().ToArray();
        }
    }

    /// <summary>True when a weight, rounded to 2 decimals as SADE prints it, is below 0.05: its stop rule.</summary>
    public bool Collapsed => Weights.Any(w => Math.Round(w, 2, MidpointRounding.ToEven) < 0.05);

    /// <summary>Σ_e weights_e · z_e: [N, E, C] expert logits → [N, C].</summary>
    /// <exception cref="ArgumentException">Logits not [N, E, C] or a weight count other than E.</exception>
    public static Tensor Aggregate(Tensor expertLogits, IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (expertLogits.dim() != 3 || expertLogits.shape[1] != weights.Count)
            throw new ArgumentException($"expert logits must be [N, {weights.Count}, C], got [{string.Join(", ", expertLogits.shape)}]", nameof(expertLogits));
        using var scope = torch.NewDisposeScope();
        var w = torch.tensor(weights.ToArray(), dtype: expertLogits.dtype, device: expertLogits.device).view(1, -1, 1);
        return (expertLogits * w).sum(1).MoveToOuterDisposeScope();
    }

    /// <summary>One SGD step on a batch: the experts' logits of the same images under two views. Returns
    /// the mean cosine similarity of the two aggregated softmax predictions before the step.</summary>
    /// <param name="view1">[N, E, C] expert logits of the first view (gradients are not taken through them).</param>
    /// <param name="view2">[N, E, C] expert logits of the second view.</param>
    public double Step(Tensor view1, Tensor view2)
    {
        if (view1.dim() != 3 || view1.shape[1] != NumExperts || !view1.shape.SequenceEqual(view2.shape))
            throw new ArgumentException($"both views must be expert logits [N, {NumExperts}, C] of one shape, got [{string.Join(", ", view1.shape)}] and " +
                $"[{string.Join(", ", view2.shape)}]");
        using var scope = torch.NewDisposeScope();
        var s = torch.softmax(_raw, 0).view(1, -1, 1);
        Tensor Prediction(Tensor z) => torch.softmax((s * z.detach().to(_raw.dtype)).sum(1), 1);
        var similarity = torch.nn.functional.cosine_similarity(Prediction(view1), Prediction(view2), dim: 1, eps: 1e-6).mean();
        _optimizer.ZeroGrad();
        similarity.neg().backward();
        _optimizer.Step();
        return similarity.item<float>();
    }

    /// <summary>
    /// SADE's loop: up to <paramref name="epochs"/> passes over the unlabeled test set, each a sequence of
    /// view pairs, stopping after an epoch that leaves <see cref="Collapsed"/> true. Returns the weights.
    /// </summary>
    /// <param name="epochViews">The (view 1, view 2) expert-logit batches of an epoch, given its index.</param>
    /// <param name="epochs">Most epochs (SADE: 5).</param>
    public double[] Fit(Func<int, IEnumerable<(Tensor View1, Tensor View2)>> epochViews, int epochs = 5)
    {
        ArgumentNullException.ThrowIfNull(epochViews);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            foreach (var (v1, v2) in epochViews(epoch)) Step(v1, v2);
            if (Collapsed) break;
        }
        return Weights;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _store.Dispose();
        _raw.Dispose();
    }
}
