namespace Livt.Data;

/// <summary>
/// MT19937 (Matsumoto and Nishimura, 1998) as numpy's legacy <c>RandomState</c> and Python's
/// <c>random</c> module run it, with their shuffles, so the long-tailed subsets the published code draws
/// (<c>np.random.seed(0)</c> + <c>np.random.shuffle</c>; <c>random.shuffle</c>) are reproduced index for
/// index. Seeding: <see cref="NumpySeed"/> is <c>init_genrand</c> (numpy's <c>mt19937_seed</c>),
/// <see cref="PythonSeed"/> is <c>init_by_array</c> over the seed's 32-bit words (CPython's
/// <c>random_seed</c>).
/// </summary>
public sealed class MersenneTwister
{
    private const int N = 624, M = 397;
    private const uint MatrixA = 0x9908b0dfU, UpperMask = 0x80000000U, LowerMask = 0x7fffffffU;
    private readonly uint[] _mt = new uint[N];
    private int _index = N;

    private MersenneTwister() { }

    /// <summary>The state after <c>np.random.seed(seed)</c> (or <c>np.random.RandomState(seed)</c>).</summary>
    public static MersenneTwister NumpySeed(uint seed)
    {
        var g = new MersenneTwister();
        g.InitGenrand(seed);
        return g;
    }

    /// <summary>The state after Python's <c>random.seed(seed)</c> for an integer seed.</summary>
    public static MersenneTwister PythonSeed(long seed)
    {
        ulong n = (ulong)Math.Abs(seed);
        var key = n >> 32 == 0 ? new[] { (uint)n } : new[] { (uint)n, (uint)(n >> 32) };
        var g = new MersenneTwister();
        g.InitByArray(key);
        return g;
    }

    /// <summary>The next 32-bit output (<c>genrand_int32</c>).</summary>
    public uint NextUInt32()
    {
        if (_index >= N) Generate();
        uint y = _mt[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680U;
        y ^= (y << 15) & 0xefc60000U;
        return y ^ (y >> 18);
    }

    /// <summary>numpy's legacy <c>RandomState.shuffle</c> of a 1-D array: for i = n−1 … 1, swap with
    /// j = <c>random_interval(i)</c> (a masked 32-bit draw, redrawn while above i).</summary>
    public void NumpyShuffle<T>(T[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (int i = items.Length - 1; i > 0; i--)
        {
            uint max = (uint)i, mask = max;
            mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16;
            uint j;
            while ((j = NextUInt32() & mask) > max) { }
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Python's <c>random.shuffle</c>: for i = n−1 … 1, swap with j = <c>_randbelow(i + 1)</c>
    /// (the top bit_length(i + 1) bits of a 32-bit draw, redrawn while ≥ i + 1).</summary>
    public void PythonShuffle<T>(T[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (int i = items.Length - 1; i > 0; i--)
        {
            uint n = (uint)i + 1;
            int bits = 32 - System.Numerics.BitOperations.LeadingZeroCount(n);
            uint j;
            while ((j = NextUInt32() >> (32 - bits)) >= n) { }
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private void InitGenrand(uint seed)
    {
        _mt[0] = seed;
        for (int i = 1; i < N; i++) _mt[i] = 1812433253U * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        _index = N;
    }

    private void InitByArray(uint[] key)
    {
        InitGenrand(19650218U);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Length); k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint)j;
            i++; j++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1566083941U)) - (uint)i;
            i++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
        }
        _mt[0] = 0x80000000U;
        _index = N;
    }

    private void Generate()
    {
        for (int k = 0; k < N; k++)
        {
            uint y = (_mt[k] & UpperMask) | (_mt[(k + 1) % N] & LowerMask);
            _mt[k] = _mt[(k + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0U);
        }
        _index = 0;
    }
}
