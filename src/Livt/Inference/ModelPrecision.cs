using Livt.Models;
using Livt.Runtime;

namespace Livt.Inference;

/// <summary>The precision a model is evaluated in: the resolved choice, or fp32 for a model without a bf16
/// working copy (<see cref="ClassifierModel.HasBf16WorkingCopy"/>: the CNNs, whose BatchNorm statistics the
/// copy would not carry), saying why.</summary>
public static class ModelPrecision
{
    /// <summary><paramref name="choice"/>, or fp32 when <paramref name="model"/> cannot compute in bf16.</summary>
    public static PrecisionChoice For(PrecisionChoice choice, ClassifierModel model) =>
        !choice.IsBf16 || model.HasBf16WorkingCopy
            ? choice
            : choice with { Precision = "fp32", Reason = $"fp32: a {model.Kind} model computes in fp32 only (its BatchNorm statistics are not in the " +
                "bf16 working copy)" };
}
