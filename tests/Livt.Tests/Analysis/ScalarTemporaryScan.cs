using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace Livt.Tests.Analysis;

/// <summary>
/// Finds where C# code hands libtorch a <c>Scalar</c> that nothing holds: an implicit conversion of a
/// .NET number to <c>TorchSharp.Scalar</c> (<c>t.mul(0.5)</c>, <c>t.add(x, alpha)</c>, <c>clamp(0, 1)</c>),
/// or one of TorchSharp's operators with a number operand (<c>t * 0.5</c>, <c>1 - t</c>), which converts
/// inside TorchSharp. Either temporary can be finalized by the GC while libtorch still reads it (the
/// native crash in <c>c10::Scalar::toFloat</c>); held in a <c>using var s = x.ToScalar()</c> it cannot.
/// The code is compiled with Roslyn against the same assemblies, so the overload found is the one the
/// compiler picks.
/// </summary>
internal static class ScalarTemporaryScan
{
    /// <summary>One place where a temporary Scalar is made, as "file:line: code".</summary>
    public sealed record Finding(string File, int Line, string Code)
    {
        public override string ToString() => $"{File}:{Line}: {Code}";
    }

    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>Compiles <paramref name="sources"/> (path → text) and returns every temporary Scalar in them.</summary>
    public static IReadOnlyList<Finding> Scan(IReadOnlyDictionary<string, string> sources)
    {
        var trees = sources.Select(kv => CSharpSyntaxTree.ParseText(kv.Value, new CSharpParseOptions(LanguageVersion.Preview), kv.Key))
            .Append(CSharpSyntaxTree.ParseText(GlobalUsings, new CSharpParseOptions(LanguageVersion.Preview), "GlobalUsings.cs"))
            .ToList();
        var compilation = CSharpCompilation.Create("scan", trees, References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        var scalar = compilation.GetTypeByMetadataName("TorchSharp.Scalar") ?? throw new InvalidOperationException("TorchSharp.Scalar not found: TorchSharp is not referenced");
        var tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor")!;
        var findings = new List<Finding>();
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            // Every operation tree once, from its root (a body, an initializer, an expression-bodied member).
            var roots = tree.GetRoot().DescendantNodes().Select(n => model.GetOperation(n)).Where(o => o is { Parent: null });
            var seen = new HashSet<IOperation>();
            foreach (var op in roots.SelectMany(r => r!.DescendantsAndSelf()))
            {
                bool temporary = op switch
                {
                    IConversionOperation { IsImplicit: true, OperatorMethod: { } m } => SymbolEqualityComparer.Default.Equals(m.ContainingType, scalar),
                    IBinaryOperation { OperatorMethod: { } m } => NumberOperator(m, tensor),
                    ICompoundAssignmentOperation { OperatorMethod: { } m } => NumberOperator(m, tensor),
                    _ => false,
                };
                if (!temporary || !seen.Add(op)) continue;
                var line = tree.GetLineSpan(op.Syntax.Span).StartLinePosition.Line + 1;
                findings.Add(new Finding(tree.FilePath, line, op.Syntax.ToString()));
            }
        }
        return findings.Distinct().OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Line).ToList();
    }

    private static bool NumberOperator(IMethodSymbol method, INamedTypeSymbol tensor) =>
        SymbolEqualityComparer.Default.Equals(method.ContainingType, tensor)
        && method.Parameters.Any(p => p.Type.SpecialType is SpecialType.System_Double or SpecialType.System_Single or SpecialType.System_Int32 or SpecialType.System_Int64);

    /// <summary>The .NET runtime's assemblies and every assembly beside the tests (TorchSharp, SkiaSharp…).</summary>
    private static IEnumerable<MetadataReference> References()
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var local = Directory.GetFiles(AppContext.BaseDirectory, "*.dll");
        return platform.Concat(local)
            .Where(p => !Path.GetFileName(p).StartsWith("Livt", StringComparison.OrdinalIgnoreCase) && !Path.GetFileName(p).Equals("livt.dll", StringComparison.OrdinalIgnoreCase))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase).Select(g => g.First())
            .Select(p => { try { return MetadataReference.CreateFromFile(p); } catch (BadImageFormatException) { return null; } })
            .OfType<MetadataReference>();
    }
}
