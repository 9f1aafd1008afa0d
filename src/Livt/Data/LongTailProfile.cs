namespace Livt.Data;

/// <summary>How class sizes fall from n_max to n_max / IF across the classes.</summary>
public enum LongTailProfile
{
    /// <summary>Exponential decay: class c keeps n_max · (1/IF)^(c/(C−1)).</summary>
    Exp,

    /// <summary>Two levels: the first ⌊C/2⌋ classes keep n_max, the rest n_max / IF.</summary>
    Step,
}
