using Livt.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Shared;

/// <summary>How every method builds its module: drawn from the run's initialisation stream and moved to the run's
/// device; the bf16 working copy's twin is built the same way from a scratch generator (its draws are overwritten
/// by the master's weights, and libtorch's global generator is left alone).</summary>
internal static class PretrainingModule
{
    /// <summary>The master module and the maker of its twin, from <paramref name="make"/>.</summary>
    public static (T Master, Func<T> Twin) Build<T>(PretrainingSetup setup, Func<Generator, T> make) where T : nn.Module
    {
        T OnDevice(Generator generator)
        {
            var module = make(generator);
            module.to(setup.Device);
            return module;
        }
        using var init = new Generator((ulong)Seeds.Derive(setup.Config.Seed, 0, Seeds.Stream.Init));
        return (OnDevice(init), () =>
        {
            using var scratch = new Generator(0);
            return OnDevice(scratch);
        });
    }
}
