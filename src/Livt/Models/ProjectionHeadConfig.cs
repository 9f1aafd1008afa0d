namespace Livt.Models;

/// <summary>Normalisation after each hidden Linear of a projection head.</summary>
public enum ProjectionNorm
{
    /// <summary>None.</summary>
    None,

    /// <summary>BatchNorm1d over the batch (BCL, ResCom).</summary>
    BatchNorm,
}

/// <summary>Activation after each hidden layer of a projection head.</summary>
public enum ProjectionActivation
{
    /// <summary>ReLU (the ResNet recipes).</summary>
    Relu,

    /// <summary>Exact GELU (GPaCo's ViT head).</summary>
    Gelu,
}

/// <summary>
/// An MLP on the encoder's pooled features: <see cref="HiddenLayers"/> × (Linear in→hidden [→ norm] →
/// activation), then Linear → <see cref="OutDim"/> [→ BatchNorm without affine]. The presets are the heads each method's official code
/// puts on its backbone, with the backbone width D in place of ResNet's 2048.
/// </summary>
/// <param name="InDim">Pooled feature width D.</param>
/// <param name="HiddenDim">Width of the hidden layers.</param>
/// <param name="OutDim">Output width.</param>
/// <param name="HiddenLayers">Hidden layers before the output Linear (≥ 0).</param>
/// <param name="Norm">Normalisation after each hidden Linear.</param>
/// <param name="Activation">Activation of the hidden layers.</param>
public sealed record ProjectionHeadConfig(int InDim, int HiddenDim, int OutDim, int HiddenLayers, ProjectionNorm Norm, ProjectionActivation Activation)
{
    /// <summary>The hidden Linear layers have a bias (MoCo v3's and SimCLR's, followed by BatchNorm, have none).</summary>
    public bool HiddenBias { get; init; } = true;

    /// <summary>The output Linear has a bias (BYOL's and MoCo v3's have none).</summary>
    public bool OutputBias { get; init; } = true;

    /// <summary>A BatchNorm without scale and shift after the output Linear (MoCo v3, after SimCLR).</summary>
    public bool OutputBatchNorm { get; init; }

    /// <summary>GPaCo's ViT head (<c>models_vit_paco.py</c>): D → D, GELU, D → D, GELU, D → out (128).</summary>
    public static ProjectionHeadConfig Gpaco(int dim, int outDim = 128) => new(dim, dim, outDim, 2, ProjectionNorm.None, ProjectionActivation.Gelu);

    /// <summary>BCL's head and centre head (<c>BCLModel.head</c> / <c>head_fc</c>): D → D, BN, ReLU, D → out (1024).</summary>
    public static ProjectionHeadConfig Bcl(int dim, int outDim = 1024) => new(dim, dim, outDim, 1, ProjectionNorm.BatchNorm, ProjectionActivation.Relu);

    /// <summary>ResCom's head (<c>ResCom.mlp</c>): D → D, BN, ReLU, D → out (128).</summary>
    public static ProjectionHeadConfig ResCom(int dim, int outDim = 128) => new(dim, dim, outDim, 1, ProjectionNorm.BatchNorm, ProjectionActivation.Relu);

    /// <summary>TSC's head (MoCo v2's <c>--mlp</c>): D → D, ReLU, D → out (128).</summary>
    public static ProjectionHeadConfig Tsc(int dim, int outDim = 128) => new(dim, dim, outDim, 1, ProjectionNorm.None, ProjectionActivation.Relu);

    /// <summary>Checks the widths.</summary>
    /// <exception cref="ArgumentException">A width is below 1 or the layer count below 0.</exception>
    public void Validate()
    {
        if (InDim < 1 || HiddenDim < 1 || OutDim < 1 || HiddenLayers < 0)
            throw new ArgumentException($"projection head {InDim} → {HiddenDim} (×{HiddenLayers}) → {OutDim}: widths must be ≥ 1 and the hidden layers ≥ 0");
    }
}
