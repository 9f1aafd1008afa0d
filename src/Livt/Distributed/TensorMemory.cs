using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Distributed;

/// <summary>
/// The raw memory of a tensor, as the collectives' C APIs take it: the address of its first element (a
/// host address for a CPU tensor, a device address for a CUDA one) and its element count.
/// </summary>
internal static class TensorMemory
{
    /// <summary>The address of <paramref name="tensor"/>'s first element; it must be contiguous.</summary>
    public static nint Address(Tensor tensor, string operation)
    {
        if (!tensor.is_contiguous())
            throw new ArgumentException($"{operation} needs a contiguous tensor; call .contiguous() first", nameof(tensor));
        if (tensor.NumberOfElements == 0) return 0;
        // Storage<T>.data_ptr() is TorchSharp's documented interop address; it makes an alias handle,
        // which this scope frees (the memory stays owned by the tensor).
        using var scope = torch.NewDisposeScope();
        nint start = tensor.dtype switch
        {
            ScalarType.Float32 => tensor.storage<float>().data_ptr(),
            ScalarType.Float64 => tensor.storage<double>().data_ptr(),
            ScalarType.Int64 => tensor.storage<long>().data_ptr(),
            ScalarType.Int32 => tensor.storage<int>().data_ptr(),
            _ => throw new ArgumentException($"{operation} supports float32, float64, int32 and int64 tensors, not {tensor.dtype}", nameof(tensor)),
        };
        return start + (nint)(tensor.storage_offset() * tensor.ElementSize);
    }

    /// <summary>"12 float32 values", for messages.</summary>
    public static string Describe(Tensor tensor) => $"{tensor.NumberOfElements} {tensor.dtype.ToString().ToLowerInvariant()} values";
}
