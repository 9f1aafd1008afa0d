
namespace Livt.Engine;

/// <summary>What a finished stage leaves behind.</summary>
public sealed record RunResult(string Stage, string RunDir, string ModelPath, int Epochs, double Seconds,
    double FinalTrainLoss, string? ReportPath);
