namespace Livt.Data;

/// <summary>The one mapping from 8-bit pixel values to [0, 1] (v / 255), shared so every reader
/// produces bit-identical floats for the same byte.</summary>
internal static class ByteScale
{
    public static readonly float[] ToUnit = Enumerable.Range(0, 256).Select(v => v / 255f).ToArray();
}
