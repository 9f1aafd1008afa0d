namespace Livt.Inference;

/// <summary>Help texts that several commands' options records share, written once.</summary>
internal static class FlagHelp
{
    public const string Device = "cpu | cuda | cuda:N";

    public const string Workers = "Loader threads (default: the cores libtorch's threads leave free, or half the cores when they take all; at least 1)";

    public const string Precision = "auto | fp32 | bf16: auto computes in bf16 where the device has it natively (CPU with amx_bf16/avx512_bf16, CUDA ≥ " +
        "8.0), else fp32";
}
