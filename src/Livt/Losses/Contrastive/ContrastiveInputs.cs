using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>Shape checks and tensor helpers shared by the contrastive losses and their state.</summary>
internal static class ContrastiveInputs
{
    private static readonly ScalarType[] IntegerTypes =
        { ScalarType.Int64, ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.Byte };

    /// <summary>Views [N, V, D] → rows [V·N, D], view-major (all first views, then all second views),
    /// the order of <c>torch.cat(torch.unbind(features, dim=1))</c> in every official code base.</summary>
    public static Tensor FlattenViews(Tensor views) =>
        views.transpose(0, 1).reshape(views.shape[0] * views.shape[1], views.shape[2]);

    /// <summary>Checks a [N, V, D] floating-point views tensor; returns V.</summary>
    public static int CheckViews(Tensor views, string name, int? expectedViews = null)
    {
        if (views.dim() != 3 || !views.is_floating_point())
            throw new ArgumentException($"{name} must be floating-point views [N, V, D], got [{Shape(views)}] of {views.dtype}", name);
        if (expectedViews is { } v && views.shape[1] != v)
            throw new ArgumentException($"{name} must hold {v} views [N, {v}, D], got [{Shape(views)}]", name);
        return (int)views.shape[1];
    }

    /// <summary>Checks a floating-point [rows, cols] matrix (cols −1: any).</summary>
    public static void CheckMatrix(Tensor t, string name, long rows, long cols = -1)
    {
        if (t.dim() != 2 || !t.is_floating_point() || t.shape[0] != rows || (cols >= 0 && t.shape[1] != cols))
            throw new ArgumentException(
                $"{name} must be a floating-point [{rows}, {(cols >= 0 ? cols.ToString() : "D")}] matrix, got [{Shape(t)}] of {t.dtype}", name);
    }

    /// <summary>Checks class ids [n] in [0, C) (or in [−1, C) when <paramref name="allowEmpty"/>, −1
    /// marking a slot that holds no key yet); returns them as int64 on <paramref name="device"/>.</summary>
    public static Tensor CheckLabels(Tensor labels, long n, int numClasses, string name, Device device, bool allowEmpty = false)
    {
        if (!IntegerTypes.Contains(labels.dtype) || labels.dim() != 1 || labels.shape[0] != n)
            throw new ArgumentException($"{name} must be integer class ids [{n}], got [{Shape(labels)}] of {labels.dtype}", name);
        var ids = labels.to(ScalarType.Int64).to(device);
        if (n > 0)
        {
            long lo = ids.min().item<long>(), hi = ids.max().item<long>();
            if (lo < (allowEmpty ? -1 : 0) || hi >= numClasses)
                throw new ArgumentException($"{name}: class ids must lie in [0, {numClasses}), found {(lo < 0 ? lo : hi)}", name);
        }
        return ids;
    }

    /// <summary>Ones [rows, cols] with a zero at (i, offset + i) for every row: masks each anchor's own column.</summary>
    public static Tensor SelfExclusion(long rows, long cols, long offset, Tensor like)
    {
        var mask = torch.ones(rows, cols, dtype: like.dtype, device: like.device);
        var index = Range(offset, rows, like.device).unsqueeze(1);
        return mask.scatter_(1, index, torch.zeros(rows, 1, dtype: like.dtype, device: like.device));
    }

    /// <summary>start, start + 1, … (count values, int64) on <paramref name="device"/>: <c>arange</c> built
    /// from an array, so no temporary Scalar is handed to libtorch.</summary>
    public static Tensor Range(long start, long count, Device device)
    {
        var values = new long[count];
        for (long i = 0; i < count; i++) values[i] = start + i;
        return torch.tensor(values, device: device);
    }

    /// <summary>A per-class constant on <paramref name="like"/>'s device, in its dtype.</summary>
    public static Tensor Constant(double[] values, Tensor like) =>
        torch.tensor(values, dtype: like.dtype, device: like.device);

    /// <summary>Checks the training counts every prior-based loss needs (≥ 2 classes, ≥ 1 image each).</summary>
    public static long[] CheckCounts(IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count < 2)
            throw new LivtException($"class counts: a contrastive long-tail loss needs at least 2 classes, got {counts.Count}");
        for (int c = 0; c < counts.Count; c++)
            if (counts[c] < 1)
                throw new LivtException($"class counts: class {c} has {counts[c]} training images; the long-tailed losses need at least 1 per class");
        return counts.ToArray();
    }

    /// <summary>Throws <see cref="LivtException"/> naming the option when <paramref name="ok"/> is false.</summary>
    public static void Require(bool ok, string method, string key, double value, string range)
    {
        if (!ok) throw new LivtException($"{method} option {key} = {value} is out of range; it must be {range}");
    }

    public static string Shape(Tensor t) => string.Join(", ", t.shape);

    /// <summary>The value of a 0-dim tensor of any floating dtype.</summary>
    public static double Number(Tensor scalar)
    {
        using var wide = scalar.detach().to(ScalarType.Float64);
        return wide.item<double>();
    }
}
