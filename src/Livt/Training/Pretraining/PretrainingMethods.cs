using Livt.Configuration;
using Livt.Training.Pretraining.Byol;
using Livt.Training.Pretraining.Dcl;
using Livt.Training.Pretraining.Mae;
using Livt.Training.Pretraining.MimCo;
using Livt.Training.Pretraining.MocoV3;

namespace Livt.Training.Pretraining;

/// <summary>The methods of <c>livt pretrain --method</c>: the one place a method is registered.</summary>
internal static class PretrainingMethods
{
    private static readonly IPretrainingMethod[] All =
        [new MaeMethod(), new MocoV3Method(), new ByolMethod(), new DclMethod(weighted: false), new DclMethod(weighted: true), new MimCoMethod()];

    /// <summary>The settings that belong to some methods only (unset: each method's default).</summary>
    public static IReadOnlyList<string> MethodSettings { get; } =
    [
        nameof(TrainConfig.Teacher), nameof(TrainConfig.SslTemperature), nameof(TrainConfig.SslMomentum), nameof(TrainConfig.SslProjDim),
        nameof(TrainConfig.SslHiddenDim), nameof(TrainConfig.FreezePatchEmbed), nameof(TrainConfig.DclSigma),
    ];

    /// <summary>Every method's name, in registration order.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(m => m.Name).ToArray();

    /// <summary>The method named <paramref name="name"/> (case and surrounding blanks ignored).</summary>
    /// <exception cref="LivtException">No such method.</exception>
    public static IPretrainingMethod Get(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new LivtException($"--method {name}: unknown pretraining method (known: {string.Join(", ", Names)})");

    /// <summary>The method of <paramref name="config"/>, after checking that only its own settings are given and
    /// that they are in range.</summary>
    /// <exception cref="LivtException">An unknown method, a setting of another method, or one out of range.</exception>
    public static IPretrainingMethod Check(TrainConfig config)
    {
        var method = Get(config.Method);
        foreach (var name in MethodSettings)
        {
            var setting = Setting.All.Single(s => s.Property.Name == name);
            if (setting.Property.GetValue(config) is null || method.Settings.Contains(name)) continue;
            var owners = All.Where(m => m.Settings.Contains(name)).Select(m => m.Name);
            throw new LivtException($"{setting.Flag}: a setting of --method {string.Join(" / ", owners)}, not of --method {method.Name}");
        }
        method.Check(config);
        return method;
    }

    /// <summary>Fails with a message naming <paramref name="flag"/> unless <paramref name="ok"/>.</summary>
    /// <exception cref="LivtException">The rule is broken.</exception>
    public static void Require(bool ok, string flag, object? value, string rule)
    {
        if (!ok) throw new LivtException($"{flag} {value}: {rule}");
    }

    /// <summary><c>--ssl-temperature</c> must be a positive number.</summary>
    /// <exception cref="LivtException">It is not.</exception>
    public static void RequireTemperature(double temperature) =>
        Require(temperature > 0 && double.IsFinite(temperature), "--ssl-temperature", temperature, "must be a positive number");

    /// <summary>The MLP widths given (<c>--ssl-proj-dim</c>, <c>--ssl-hidden-dim</c>) must be at least 1.</summary>
    /// <exception cref="LivtException">One is not.</exception>
    public static void RequireWidths(TrainConfig config) =>
        Require(config.SslProjDim is null or >= 1 && config.SslHiddenDim is null or >= 1, "--ssl-proj-dim / --ssl-hidden-dim",
            $"{config.SslProjDim} / {config.SslHiddenDim}", "must be at least 1");

    /// <summary><c>--ssl-momentum</c> must be in [0, 1].</summary>
    /// <exception cref="LivtException">It is not.</exception>
    public static void RequireMomentum(double momentum) => Require(momentum is >= 0 and <= 1, "--ssl-momentum", momentum, "must be in [0, 1]");
}
