using System.Globalization;

namespace Livt.Cli;

/// <summary>A <c>--tau</c> value: a number, or <c>auto</c> (null) to choose it on validation.</summary>
internal static class TauArgument
{
    public static double? Parse(string text) =>
        text == "auto" ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? t
        : throw new LivtException($"--tau {text}: expected a number or auto");
}
