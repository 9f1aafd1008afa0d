namespace Livt.Runtime;

/// <summary>
/// The arithmetic a run uses and why: what was asked (<c>auto</c>, <c>fp32</c> or <c>bf16</c>), what was
/// chosen (<c>fp32</c> or <c>bf16</c>), and a one-line reason such as "bf16: CPU has avx512_bf16", which
/// the configuration and the run report record.
/// </summary>
/// <param name="Requested">The <c>--precision</c> value as given, lower-cased.</param>
/// <param name="Precision">"fp32" or "bf16".</param>
/// <param name="Reason">Why, starting with the chosen precision.</param>
public sealed record PrecisionChoice(string Requested, string Precision, string Reason)
{
    /// <summary>True for bf16 compute (with fp32 master weights when training).</summary>
    public bool IsBf16 => Precision == "bf16";
}
