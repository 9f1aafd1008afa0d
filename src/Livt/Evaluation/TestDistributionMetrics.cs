using System.Text.Json.Serialization;

namespace Livt.Evaluation;

/// <summary>One row of the test-agnostic table in <c>report.json</c> (<c>test_distributions</c>): a
/// split's name and size with its headline metrics, percent.</summary>
public sealed record TestDistributionMetrics
{
    /// <summary>SADE's split name, e.g. <c>forward50</c>.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }
    /// <summary>Imbalance factor of the split (1 for uniform).</summary>
    [JsonPropertyName("imbalance")] public required double Imbalance { get; init; }
    /// <summary>Test images in the split.</summary>
    [JsonPropertyName("images")] public required long Images { get; init; }
    [JsonPropertyName("top1")] public required double Top1 { get; init; }
    [JsonPropertyName("top5")] public required double Top5 { get; init; }
    [JsonPropertyName("many")] public required double? Many { get; init; }
    [JsonPropertyName("medium")] public required double? Medium { get; init; }
    [JsonPropertyName("few")] public required double? Few { get; init; }
    [JsonPropertyName("ece")] public required double Ece { get; init; }
    /// <summary>A multi-expert model with test-time aggregation: the weights learned on the split and the
    /// metrics of the aggregated experts; null otherwise (the metrics above average the experts).</summary>
    [JsonPropertyName("aggregation")] public AggregationMetrics? Aggregation { get; init; }

    /// <summary>The row of one split's result.</summary>
    public static TestDistributionMetrics From(TestDistributionResult r) => new()
    {
        Name = r.Distribution.Name, Imbalance = r.Distribution.Imbalance, Images = r.Result.NumSamples,
        Top1 = r.Result.Top1, Top5 = r.Result.Top5, Many = r.Result.Many, Medium = r.Result.Medium, Few = r.Result.Few,
        Ece = r.Result.Ece,
        Aggregation = r.Aggregated is { } a
            ? new AggregationMetrics
            {
                Weights = a.Weights.ToArray(), Top1 = a.Result.Top1, Top5 = a.Result.Top5, Many = a.Result.Many,
                Medium = a.Result.Medium, Few = a.Result.Few, Ece = a.Result.Ece,
                Experts = a.Experts.Select(e => new ExpertMetrics
                {
                    Top1 = e.Top1, Entropy = e.Entropy, ViewAgreement = e.ViewAgreement, TopClassShare = e.TopClassShare,
                }).ToArray(),
            }
            : null,
    };
}

/// <summary>The <c>aggregation</c> of a test-distribution row: the experts' weights learned without labels on
/// the split (SADE's test-time self-supervised aggregation) and the aggregated model's metrics, percent.</summary>
public sealed record AggregationMetrics
{
    /// <summary>softmax(w): one weight per expert (forward, uniform, backward), summing to 1.</summary>
    [JsonPropertyName("weights")] public required double[] Weights { get; init; }
    [JsonPropertyName("top1")] public required double Top1 { get; init; }
    [JsonPropertyName("top5")] public required double Top5 { get; init; }
    [JsonPropertyName("many")] public required double? Many { get; init; }
    [JsonPropertyName("medium")] public required double? Medium { get; init; }
    [JsonPropertyName("few")] public required double? Few { get; init; }
    [JsonPropertyName("ece")] public required double Ece { get; init; }
    /// <summary>Each expert alone (forward, uniform, backward): what decides where the weights move.</summary>
    [JsonPropertyName("experts")] public ExpertMetrics[]? Experts { get; init; }
}

/// <summary>One expert of an <c>aggregation</c> (<see cref="ExpertOnSplit"/>).</summary>
public sealed record ExpertMetrics
{
    /// <summary>Top-1 % of the expert alone on the split.</summary>
    [JsonPropertyName("top1")] public required double Top1 { get; init; }
    /// <summary>Mean entropy of its predictions on the two views, nats.</summary>
    [JsonPropertyName("entropy")] public required double Entropy { get; init; }
    /// <summary>Mean cosine similarity of its softmax predictions of an image's two views.</summary>
    [JsonPropertyName("view_agreement")] public required double ViewAgreement { get; init; }
    /// <summary>Percent of its view predictions that go to its most-predicted class.</summary>
    [JsonPropertyName("top_class_share")] public required double TopClassShare { get; init; }
}
