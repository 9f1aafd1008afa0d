using System.Runtime.InteropServices;

namespace Livt.Cli;

/// <summary>
/// How a failed command is told: the user's mistakes and libtorch's errors (out of memory, tensors on
/// different devices, a kernel the loaded libtorch lacks, a CUDA failure) as one <c>error:</c> line that
/// says what failed and what to try; anything else is a bug, which keeps its stack trace.
/// </summary>
internal static class UserError
{
    /// <summary>The one-line message of an error the user can act on, or null for a bug.</summary>
    public static string? Message(Exception e) => e switch
    {
        LivtException l => l.Message,
        FileNotFoundException f => f.Message,
        DirectoryNotFoundException d => d.Message,
        UnauthorizedAccessException u => u.Message,
        AggregateException { InnerExceptions.Count: 1 } a => Message(a.InnerException!),
        System.Reflection.TargetInvocationException { InnerException: { } inner } => Message(inner),
        _ => FromLibTorch(e),
    };

    /// <summary>True when <paramref name="e"/> (or the one exception it wraps) came from libtorch or from
    /// loading it: after such a failure, libtorch's own teardown is not trusted to end cleanly.</summary>
    public static bool IsNative(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => IsNative(a.InnerException!),
        System.Reflection.TargetInvocationException { InnerException: { } inner } => IsNative(inner),
        _ => FromLibTorch(e) is not null,
    };

    private static string? FromLibTorch(Exception e) => e switch
    {
        // TorchSharp turns every C++ exception of libtorch into an ExternalException carrying its what().
        ExternalException x => Describe(x.Message),
        TypeInitializationException { TypeName: "TorchSharp.torch" } t => Loading(t.InnerException?.Message ?? t.Message),
        DllNotFoundException d => Loading(d.Message),
        EntryPointNotFoundException p => Loading(p.Message),
        _ => null,
    };

    private static string Loading(string detail) =>
        $"libtorch could not be loaded: {Summary(detail)}; `livt doctor` shows what was found (LIVT_LIBTORCH chooses another libtorch: docs/GPU.md)";

    /// <summary>libtorch's message (its first lines, without the C++ backtrace) with what failed and what to try.</summary>
    internal static string Describe(string what)
    {
        var message = Summary(what);
        bool Has(string s) => message.Contains(s, StringComparison.OrdinalIgnoreCase);
        if (Has("out of memory") || Has("can't allocate memory") || Has("not enough memory") || Has("OutOfMemoryError"))
            return $"{(Has("CUDA") ? "the GPU" : "the CPU")} ran out of memory: {message}; try a smaller --batch-size " +
                   "(training: with --accum-iter to keep the effective batch), --precision bf16, or a smaller --model";
        if (Has("same device") || Has("device type for generator") || Has("Expected all tensors"))
            return $"tensors on different devices: {message}; this is a bug in Livt: rerun with --verbose and report the output (--device cpu avoids it)";
        if (Has("Could not run 'aten::") || Has("not implemented for") || Has("no kernel image") || Has("NotImplementedError"))
            return $"the loaded libtorch has no kernel for this operation: {message}; try --precision fp32 or --attention manual, " +
                   "or a libtorch built for this device (`livt doctor` shows the one loaded)";
        if (Has("CUDA") || Has("CUBLAS") || Has("cuDNN") || Has("NCCL"))
            return $"CUDA failed: {message}; `livt doctor` shows the driver, libtorch and devices; CUDA_LAUNCH_BLOCKING=1 with --verbose locates " +
                "the failing call";
        return $"libtorch failed: {message}; rerun with --verbose for the stack";
    }

    /// <summary>The message part of libtorch's what(): up to the backtrace, on one line.</summary>
    private static string Summary(string what)
    {
        var lines = what.Split('\n')
            .Select(l => l.Trim())
            .TakeWhile(l => !l.StartsWith("Exception raised from", StringComparison.Ordinal) && !l.StartsWith("frame #", StringComparison.Ordinal))
            .Where(l => l.Length > 0);
        // "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: ...": the source location tells a user nothing.
        var text = System.Text.RegularExpressions.Regex.Replace(string.Join(" ", lines), @"^\[enforce fail at [^\]]*\]\s*(\S+ == \S+\.\s*)?", "");
        return text.Length == 0 ? what.Trim() : text;
    }
}
