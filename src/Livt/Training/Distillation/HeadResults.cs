using System.Globalization;
using Livt.Evaluation;

namespace Livt.Training.Distillation;

/// <summary>
/// The distilled ViT scored three ways on one pass over a dataset, as DeiT-LT's <c>evaluate</c> reports it:
/// the class-token head, the distillation head and their average (the model's prediction).
/// </summary>
/// <param name="Class">The class-token head (trained on the true labels).</param>
/// <param name="Distillation">The distillation head (trained on the teacher's labels).</param>
/// <param name="Average">Their mean logits: what the saved model predicts.</param>
public sealed record HeadResults(EvaluationResult Class, EvaluationResult Distillation, EvaluationResult Average)
{
    /// <summary>Scores the two heads' collected logits and their average.</summary>
    public static HeadResults From(MetricsAccumulator classHead, MetricsAccumulator distHead, IReadOnlyList<long> trainCounts, IReadOnlyList<string> classNames)
    {
        var average = new MetricsAccumulator(classHead.NumClasses);
        using (TorchSharp.torch.NewDisposeScope())
        {
            // Held: `a + b` and `/ 2` make temporary Scalars the GC can finalize while libtorch reads them.
            using TorchSharp.Scalar one = 1, half = 0.5;
            average.Add(classHead.Logits.add(distHead.Logits, one).mul(half), classHead.Labels);
        }
        return new HeadResults(classHead.Compute(trainCounts, classNames: classNames), distHead.Compute(trainCounts, classNames: classNames),
            average.Compute(trainCounts, classNames: classNames));
    }

    /// <summary>One line per head for reports and messages: top-1 and Many / Medium / Few.</summary>
    public IReadOnlyList<string> Lines() =>
    [
        Line("Class-token head (true labels)", Class),
        Line("Distillation head (teacher's labels)", Distillation),
        Line("Average of the two (the model's prediction, reported above)", Average),
    ];

    private static string Line(string what, EvaluationResult r) => string.Create(CultureInfo.InvariantCulture,
        $"{what}: top-1 {r.Top1:F2} %, Many {Group(r.Many)} / Medium {Group(r.Medium)} / Few {Group(r.Few)}");

    private static string Group(double? v) => v is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "-";
}
