using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// The generator the random layers of one model (drop path) draw from, shared by all of them so the
/// owner of a run can point them at its own generator. Null means libtorch's global generator, which
/// two runs in one process would share.
/// </summary>
public sealed class GeneratorSlot
{
    /// <summary>The generator to draw from, or null for the global one.</summary>
    public Generator? Generator { get; set; }
}
