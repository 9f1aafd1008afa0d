using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.MimCo;

/// <summary>
/// MimCo's two reconstruction losses against a frozen contrastive teacher, both InfoNCE on cosine similarities:
/// patch level, each removed patch's prediction must pick the teacher's feature of the same patch among the
/// teacher's features of all patches of its image; image level, the student's image feature must pick the
/// teacher's cls feature of its image among those of the whole job's batch.
/// </summary>
internal static class MimCoLoss
{
    /// <summary>Mean over the removed patches of CE(p̂_i·t̂ⱼᵀ/τ over j of the same image, i).</summary>
    /// <param name="prediction">Student predictions [N, L, D_t].</param>
    /// <param name="target">Teacher patch features [N, L, D_t].</param>
    /// <param name="mask">[N, L], 1 on removed patches.</param>
    /// <param name="temperature">τ.</param>
    public static Tensor PatchLevel(Tensor prediction, Tensor target, Tensor mask, double temperature)
    {
        using var scope = torch.NewDisposeScope();
        var dtype = Fp32.AtLeast(prediction.dtype);
        long n = prediction.shape[0], l = prediction.shape[1];
        var p = nn.functional.normalize(prediction.to(dtype), dim: 2);
        var t = nn.functional.normalize(target.to(dtype), dim: 2);
        using var tau = temperature.ToScalar();
        var logits = p.bmm(t.transpose(1, 2)).div(tau);
        using Scalar zero = 0, patches = l, one = 1;
        var positions = torch.arange(zero, patches, one, dtype: ScalarType.Int64, device: p.device).repeat(n);
        var perPatch = nn.functional.cross_entropy(logits.reshape(n * l, l), positions, reduction: nn.Reduction.None).view(n, l);
        var removed = mask.to(dtype);
        return (perPatch * removed).sum().div(removed.sum()).MoveToOuterDisposeScope();
    }

    /// <summary>CE(ŝ·k̂ᵀ/τ, rank·N + i) over the job's teacher features k.</summary>
    /// <param name="student">Student image features [N, D_t] of this process.</param>
    /// <param name="teacher">Teacher cls features [N, D_t] of this process (no gradient).</param>
    /// <param name="temperature">τ.</param>
    /// <param name="gather">Concatenates a tensor over the processes in rank order, or null in one process.</param>
    /// <param name="rank">This process's rank.</param>
    public static Tensor ImageLevel(Tensor student, Tensor teacher, double temperature, Func<Tensor, Tensor>? gather, int rank)
    {
        using var scope = torch.NewDisposeScope();
        var dtype = Fp32.AtLeast(student.dtype);
        var s = nn.functional.normalize(student.to(dtype), dim: 1);
        var k = nn.functional.normalize(teacher.to(dtype), dim: 1);
        if (gather is not null) k = gather(k);
        using var tau = temperature.ToScalar();
        long n = s.shape[0];
        using Scalar first = rank * n, end = (rank + 1) * n, one = 1;
        var labels = torch.arange(first, end, one, dtype: ScalarType.Int64, device: s.device);
        return nn.functional.cross_entropy(s.matmul(k.t()).div(tau), labels).MoveToOuterDisposeScope();
    }
}
