using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Inference;
using Livt.Methods;

namespace Livt.Tests.Methods;

/// <summary>The registry of long-tail methods: one name each, the official spellings, and the flags that
/// belong to a method refused with any other instead of being ignored.</summary>
public class MethodRegistryTests
{
    private static TrainConfig Finetune(JsonObject flags) => ConfigResolver.Resolve("finetune", null, flags);

    [Fact]
    public void EveryMethodHasOneNameAndEveryListedSettingExists()
    {
        var names = LongTailMethods.All.SelectMany(m => m.Aliases.Prepend(m.Name)).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        foreach (var m in LongTailMethods.All)
        {
            Assert.Same(m, LongTailMethods.Find(m.Name.ToUpperInvariant().Replace('-', '_')));
            foreach (var key in m.Settings) Assert.True(Setting.ByKey(key) is not null, $"{m.Name}: no setting '{key}'");
            // A switch is a bool, or a setting that is unset (null) unless given.
            if (m.SwitchKey is { } on)
                Assert.True(Setting.ByKey(on)!.Property.PropertyType is var t && (t == typeof(bool) || !t.IsValueType || Nullable.GetUnderlyingType(t) is not null), $"{m.Name}: switch '{on}' of type {t}");
        }
        Assert.Equal("sade", LongTailMethods.Find("TADE")!.Name);
        Assert.Equal("bal-bce", LongTailMethods.Find("Bal_BCE")!.Name);
        Assert.Null(LongTailMethods.Find("crt"));
    }

    [Theory]
    [InlineData("bal-bce", "sade_tau", 3.0, "--sade-tau")]
    [InlineData("bal-bce", "expert_blocks", 1, "--expert-blocks")]
    [InlineData("ce", "focal_gamma", 1.0, "--focal-gamma")]
    [InlineData("bal-bce", "cmo_prob", 0.3, "--cmo")]
    [InlineData("bcl", "queue_size", 64, "--queue-size")]
    [InlineData("bal-bce", "drw_epoch", 1, "--distill-from")]
    public void AFlagOfAnotherMethodIsAnError(string loss, string key, double value, string named)
    {
        var flags = new JsonObject { ["loss"] = loss, [key] = key is "expert_blocks" or "queue_size" or "drw_epoch" ? (int)value : value };
        var e = Assert.Throws<LivtException>(() => Finetune(flags));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void AFlagOfTheRunsOwnMethodsIsTaken()
    {
        Assert.Equal(3.0, Finetune(new JsonObject { ["loss"] = "tade", ["sade_tau"] = 3.0 }).SadeTau);
        Assert.Equal(0.3, Finetune(new JsonObject { ["cmo"] = true, ["cmo_prob"] = 0.3, ["mixup"] = 0, ["cutmix"] = 0, ["cmo_start_epoch"] = 0, ["cmo_end_epochs"] = 0, ["epochs"] = 4, ["warmup_epochs"] = 1 }).CmoProb);
        Assert.Equal(1.05, Finetune(new JsonObject { ["loss"] = "bal-ce", ["bal_tau"] = 1.05 }).BalTau);
        Assert.Equal(1, Finetune(new JsonObject { ["loss"] = "bal-ce", ["distill_from"] = "teacher", ["drw_epoch"] = 1, ["no_mixup_drw"] = true }).DrwEpoch);
        // A recipe's value for its own loss stays when the command line changes the loss.
        var recipe = ConfigResolver.ReadRecipe("places-lt");
        Assert.Equal("ce", ConfigResolver.Resolve("finetune", recipe, new JsonObject { ["loss"] = "ce", ["mixup"] = 0, ["cutmix"] = 0 }).Loss);
    }

    [Fact]
    public void PostHocAdjustmentStartsFromTheUniformPriorForABalancedLoss()
    {
        long[] counts = [3, 1];
        foreach (var m in LongTailMethods.Losses)
        {
            var prior = PriorCorrection.SourcePrior(m.Name, counts);
            // SADE's averaged experts (forward log π, uniform 0, backward log π̃ with τ 2) predict under π^(-1/3)
            // (to 8 places: the official backward offset adds 1e-9 to π̃).
            double expected = m.Kind == MethodKind.Experts ? Math.Pow(0.75, -1.0 / 3) / (Math.Pow(0.75, -1.0 / 3) + Math.Pow(0.25, -1.0 / 3))
                : m.AssumesBalancedPrior ? 0.5 : 0.75;
            Assert.Equal(expected, prior[0], m.Kind == MethodKind.Experts ? 8 : 12);
        }
    }
}
