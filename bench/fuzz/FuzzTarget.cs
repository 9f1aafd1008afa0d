namespace Livt.Fuzz;

/// <summary>One reader under test: valid seed inputs, how an input is fed to the reader (inside a scratch
/// folder of its own), and optionally a structure-aware mutation that keeps the outer format valid
/// (zip entries, gzip, PNG chunk CRCs, a checkpoint's manifest) so mutations reach the inner parser.
/// <paramref name="AllocationMb"/> replaces the harness's allocation bound where the reader's own bound
/// is larger (an image of the largest size decoded).</summary>
public sealed record FuzzTarget(
    string Name,
    string Description,
    Func<string, IReadOnlyList<byte[]>> Seeds,
    Action<byte[], string> Run,
    Func<byte[], byte[], Mutator, Random, byte[]>? Mutate = null,
    long? AllocationMb = null);
