using System.Text.Json.Serialization;

namespace Livt.Evaluation;

/// <summary>
/// A post-hoc setting chosen on a validation split (never the test split), as a report records it:
/// which setting, the value chosen, and the balanced accuracy on validation of every candidate.
/// </summary>
public sealed record TunedValue
{
    /// <summary>What was chosen, e.g. "tau_norm_tau" or "logit_adjustment_tau".</summary>
    [JsonPropertyName("parameter")] public required string Parameter { get; init; }

    /// <summary>The value chosen: the candidate with the highest validation balanced accuracy (the
    /// first in grid order on a tie).</summary>
    [JsonPropertyName("value")] public required double Value { get; init; }

    /// <summary>The candidates, in the order they were tried.</summary>
    [JsonPropertyName("grid")] public required double[] Grid { get; init; }

    /// <summary>Mean per-class top-1 accuracy on the validation split for each candidate, percent.</summary>
    [JsonPropertyName("validation_balanced_accuracy")] public required double[] ValidationBalancedAccuracy { get; init; }

    /// <summary>Which images the choice was made on, in words.</summary>
    [JsonPropertyName("validation")] public required string Validation { get; init; }
}
