using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>timm's <c>Mlp</c>: <c>fc1</c> (D → hidden), exact GELU, <c>fc2</c> (hidden → D).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly GELU act;
    private readonly Linear fc2;

    /// <summary>Creates the MLP of one block.</summary>
    public Mlp(int dim, int hidden) : base(nameof(Mlp))
    {
        fc1 = nn.Linear(dim, hidden);
        act = nn.GELU();
        fc2 = nn.Linear(hidden, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = fc1.call(x);
        using var a = act.call(h);
        return fc2.call(a);
    }
}
