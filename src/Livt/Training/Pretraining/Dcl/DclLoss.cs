using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Dcl;

/// <summary>
/// The decoupled contrastive loss (Yeh et al., ECCV 2022; <c>loss/dcl.py</c> of the code this follows): SimCLR's
/// InfoNCE without the positive pair in the denominator. For anchor i of view 1,
/// L = −⟨z1_i, z2_i⟩/τ · w_i + log Σ_{j≠i} [exp(⟨z1_i, z1_j⟩/τ) + exp(⟨z1_i, z2_j⟩/τ)], the excluded pairs masked
/// with log(1e-45) as the code does; DCLW weights the positive by w_i = 2 − N·softmax_j(⟨z1_j, z2_j⟩/σ)_i.
/// </summary>
internal static class DclLoss
{
    // The code's SMALL_NUM = np.log(1e-45), computed in float64.
    private const double Excluded = -103.61632918473205;

    /// <summary>One direction, DCL(z1, z2), averaged over this process's anchors.</summary>
    /// <param name="z1">Normalised anchors [N, P] (this process's).</param>
    /// <param name="z2">Their normalised positives [N, P].</param>
    /// <param name="temperature">τ.</param>
    /// <param name="sigma">σ of DCLW's weighting, or null for DCL.</param>
    /// <param name="gather">Concatenates a tensor over the processes in rank order (other ranks' rows without
    /// gradient), or null in one process: the negatives and DCLW's softmax cover the whole job's batch.</param>
    /// <param name="rank">This process's rank (where its rows sit among the gathered ones).</param>
    public static Tensor OneWay(Tensor z1, Tensor z2, double temperature, double? sigma, Func<Tensor, Tensor>? gather, int rank)
    {
        using var scope = torch.NewDisposeScope();
        var dtype = Fp32.AtLeast(z1.dtype);
        z1 = z1.to(dtype);
        z2 = z2.to(dtype);
        long n = z1.shape[0];
        var all1 = gather is null ? z1 : gather(z1);
        var all2 = gather is null ? z2 : gather(z2);
        using var t = temperature.ToScalar();
        var positive = (z1 * z2).sum(1);
        var positiveLoss = positive.neg().div(t);
        if (sigma is { } s)
        {
            using var sig = s.ToScalar();
            using var two = 2.ToScalar();
            using var one = 1.ToScalar();
            var allPositive = gather is null ? positive : gather(positive);
            using Scalar batch = allPositive.shape[0];
            var weights = nn.functional.softmax(allPositive.div(sig), 0).narrow(0, rank * n, n).mul(batch).neg().add(two, one);
            positiveLoss = positiveLoss * weights;
        }
        var similarity = torch.cat([z1.matmul(all1.t()), z1.matmul(all2.t())], 1).div(t);
        // Column rank·N + i of each half is anchor i itself (view 1) and its positive (view 2).
        var self = torch.zeros(n, all1.shape[0], dtype: dtype, device: z1.device);
        self.narrow(1, rank * n, n).copy_(torch.eye(n, dtype: dtype, device: z1.device));
        using var excluded = Excluded.ToScalar();
        using Scalar unit = 1;
        var negativeLoss = torch.logsumexp(similarity.add(torch.cat([self, self], 1).mul(excluded), unit), 1);
        return positiveLoss.add(negativeLoss, unit).mean().MoveToOuterDisposeScope();
    }
}
