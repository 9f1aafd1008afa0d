using System.Text.Json.Nodes;

namespace Livt.Benchmarking;

/// <summary>What <see cref="SoakRun"/> trains and how often it samples memory.</summary>
public sealed record SoakOptions
{
    /// <summary>Training steps to run end to end.</summary>
    public int Steps { get; init; } = 20_000;

    /// <summary>Resident memory is sampled every this many steps.</summary>
    public int Every { get; init; } = 1_000;

    /// <summary>The fine-tuning loss (bal-bce for the quick start; gpaco, paco, bcl, tsc or rescom for a contrastive run).</summary>
    public string Loss { get; init; } = "bal-bce";

    /// <summary>A thread forces a garbage collection and runs pending finalizers every millisecond, so a
    /// temporary that libtorch still reads is finalized as early as it can be (the native Scalar race).</summary>
    public bool GcStress { get; init; }

    /// <summary>The run folder; a fresh temporary one (deleted afterwards) when null.</summary>
    public string? Out { get; init; }

    /// <summary>Further settings of the quick start's fine-tuning (setting keys), e.g. threads, workers or a smaller model.</summary>
    public JsonObject? Overrides { get; init; }
}
