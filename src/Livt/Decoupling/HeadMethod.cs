namespace Livt.Decoupling;

/// <summary>The second-stage methods of decoupled training (Kang et al., ICLR 2020).</summary>
public enum HeadMethod
{
    /// <summary>cRT: a new linear head trained on the frozen features (class-balanced sampling by default).</summary>
    Crt,
    /// <summary>LWS: the fine-tuned head kept frozen, one learnt scale per class on its logits.</summary>
    Lws,
    /// <summary>τ-normalisation: w_c / ‖w_c‖^τ, no training.</summary>
    TauNorm,
}

/// <summary>The CLI and config names of <see cref="HeadMethod"/>.</summary>
public static class HeadMethods
{
    /// <summary>crt, lws, tau-norm.</summary>
    public static IReadOnlyList<string> Names { get; } = ["crt", "lws", "tau-norm"];

    /// <summary>Parses a method name.</summary>
    /// <exception cref="LivtException">Not one of <see cref="Names"/>.</exception>
    public static HeadMethod Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "crt" => HeadMethod.Crt,
        "lws" => HeadMethod.Lws,
        "tau-norm" or "tau_norm" or "taunorm" => HeadMethod.TauNorm,
        _ => throw new LivtException($"--method {name}: expected one of {string.Join(", ", Names)}"),
    };

    /// <summary>The name of a method.</summary>
    public static string Name(HeadMethod method) => Names[(int)method];
}
