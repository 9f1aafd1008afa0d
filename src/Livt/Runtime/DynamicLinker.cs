using System.Runtime.InteropServices;

namespace Livt.Runtime;

/// <summary>glibc's dynamic linker, called directly where .NET's <see cref="NativeLibrary"/> cannot say how:
/// with RTLD_NOW (every symbol bound at load, so a missing one fails there, named) or RTLD_GLOBAL (symbols
/// visible to libraries loaded later, as PyTorch loads its CUDA dependencies).</summary>
internal sealed unsafe class DynamicLinker
{
    /// <summary>RTLD_LAZY: functions bound on first call.</summary>
    public const int Lazy = 0x1;

    /// <summary>RTLD_NOW: every symbol bound at load.</summary>
    public const int Now = 0x2;

    /// <summary>RTLD_GLOBAL: the library's symbols serve libraries loaded after it.</summary>
    public const int Global = 0x100;

    private readonly delegate* unmanaged<byte*, int, nint> _open;
    private readonly delegate* unmanaged<byte*> _error;

    private DynamicLinker(nint open, nint error)
    {
        _open = (delegate* unmanaged<byte*, int, nint>)open;
        _error = (delegate* unmanaged<byte*>)error;
    }

    /// <summary>dlopen and dlerror from libc, or from libdl before glibc 2.34.</summary>
    public static DynamicLinker Open()
    {
        foreach (var name in new[] { "libc.so.6", "libdl.so.2" })
            if (NativeLibrary.TryLoad(name, out var lib) && NativeLibrary.TryGetExport(lib, "dlopen", out var open)
                && NativeLibrary.TryGetExport(lib, "dlerror", out var error))
                return new DynamicLinker(open, error);
        throw new LivtException($"{LibTorch.Variable}: dlopen was not found in libc.so.6 or libdl.so.2 (another libtorch can be loaded on glibc Linux only)");
    }

    /// <summary>dlopen(<paramref name="path"/>, <paramref name="flags"/>): the handle, or 0 with dlerror's message.</summary>
    public nint TryLoad(string path, int flags, out string error)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        nint handle;
        fixed (byte* p = bytes) handle = _open(p, flags);
        var message = handle == IntPtr.Zero ? _error() : null;
        error = message is null ? "" : Marshal.PtrToStringUTF8((nint)message) ?? "";
        return handle;
    }

    /// <summary>dlopen that throws <paramref name="failure"/>'s exception, given dlerror's message, when it fails.</summary>
    public nint Load(string path, int flags, Func<string, LivtException> failure)
    {
        var handle = TryLoad(path, flags, out var error);
        return handle != IntPtr.Zero ? handle : throw failure($"{Path.GetFileName(path)} could not be loaded: {error}");
    }
}
