namespace Livt.Losses.Contrastive;

/// <summary>
/// The assignment problem on a square matrix (Hungarian method, shortest augmenting paths with potentials,
/// O(n³)): what scipy's <c>linear_sum_assignment</c> computes for TSC's class-to-target matching.
/// </summary>
public static class LinearAssignment
{
    /// <summary>The permutation p (row i → column p[i]) maximising Σ_i score[i, p[i]].</summary>
    /// <exception cref="ArgumentException">The matrix is not square or holds a non-finite value.</exception>
    public static int[] Maximize(double[,] score)
    {
        int n = score.GetLength(0);
        if (score.GetLength(1) != n) throw new ArgumentException($"the score matrix must be square, got {n}×{score.GetLength(1)}", nameof(score));
        var cost = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (!double.IsFinite(score[i, j])) throw new ArgumentException($"score[{i}, {j}] = {score[i, j]} is not finite", nameof(score));
                cost[i, j] = -score[i, j];
            }
        return Minimize(cost);
    }

    /// <summary>The permutation minimising Σ_i cost[i, p[i]].</summary>
    public static int[] Minimize(double[,] cost)
    {
        int n = cost.GetLength(0);
        // 1-based potentials u (rows), v (columns); way/match over columns, column 0 a virtual start.
        var u = new double[n + 1];
        var v = new double[n + 1];
        var rowOfColumn = new int[n + 1];
        var way = new int[n + 1];
        for (int row = 1; row <= n; row++)
        {
            rowOfColumn[0] = row;
            int column = 0;
            var minReduced = new double[n + 1];
            var used = new bool[n + 1];
            Array.Fill(minReduced, double.PositiveInfinity);
            do
            {
                used[column] = true;
                int i = rowOfColumn[column], next = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= n; j++)
                {
                    if (used[j]) continue;
                    double reduced = cost[i - 1, j - 1] - u[i] - v[j];
                    if (reduced < minReduced[j]) { minReduced[j] = reduced; way[j] = column; }
                    if (minReduced[j] < delta) { delta = minReduced[j]; next = j; }
                }
                for (int j = 0; j <= n; j++)
                {
                    if (used[j]) { u[rowOfColumn[j]] += delta; v[j] -= delta; }
                    else minReduced[j] -= delta;
                }
                column = next;
            } while (rowOfColumn[column] != 0);
            do
            {
                int previous = way[column];
                rowOfColumn[column] = rowOfColumn[previous];
                column = previous;
            } while (column != 0);
        }
        var assignment = new int[n];
        for (int j = 1; j <= n; j++) assignment[rowOfColumn[j] - 1] = j - 1;
        return assignment;
    }
}
