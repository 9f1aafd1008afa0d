using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>MAE's fixed 2-D sine-cosine position table (<c>get_2d_sincos_pos_embed</c>), computed in
/// double precision as MAE does with NumPy, with a leading all-zero row for the cls token.</summary>
public static class SinCosPosEmbed
{
    /// <summary>The table [1, 1 + grid², dim] as float32 on the CPU. For the token at row i, column j,
    /// the first half of the width encodes j and the second half i (MAE's meshgrid puts w first), each
    /// half as [sin(pos·ω), cos(pos·ω)] with ω_k = 1/10000^(k/(dim/4)).</summary>
    public static Tensor Create(int dim, int gridSize)
    {
        if (dim % 4 != 0) throw new ArgumentException($"sin-cos position embedding needs a width divisible by 4, got {dim}", nameof(dim));
        int quarter = dim / 4, tokens = gridSize * gridSize;
        var omega = new double[quarter];
        for (int k = 0; k < quarter; k++) omega[k] = 1.0 / Math.Pow(10000, k / (double)quarter);

        var table = new float[(tokens + 1) * dim];
        for (int i = 0; i < gridSize; i++)
        for (int j = 0; j < gridSize; j++)
        {
            int row = (1 + i * gridSize + j) * dim;
            for (int k = 0; k < quarter; k++)
            {
                table[row + k] = (float)Math.Sin(j * omega[k]);
                table[row + quarter + k] = (float)Math.Cos(j * omega[k]);
                table[row + 2 * quarter + k] = (float)Math.Sin(i * omega[k]);
                table[row + 3 * quarter + k] = (float)Math.Cos(i * omega[k]);
            }
        }
        return torch.tensor(table, new long[] { 1, tokens + 1, dim });
    }
}
