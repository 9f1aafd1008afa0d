using System.Reflection;
using System.Reflection.Emit;
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
                    IConversionOperation { IsImplicit: true, OperatorMethod: { } m } c => SymbolEqualityComparer.Default.Equals(m.ContainingType, scalar) && !Held(c),
                    IBinaryOperation { OperatorMethod: { } m } => MakesOne(m),
                    ICompoundAssignmentOperation { OperatorMethod: { } m } => MakesOne(m),
                    IInvocationOperation { TargetMethod: var m } => MakesOne(m),
                    _ => false,
                };
                if (!temporary || !seen.Add(op)) continue;
                var line = tree.GetLineSpan(op.Syntax.Span).StartLinePosition.Line + 1;
                findings.Add(new Finding(tree.FilePath, line, op.Syntax.ToString()));
            }
        }
        return findings.Distinct().OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Line).ToList();
    }

    /// <summary>A conversion that initializes a <c>using</c> variable (<c>using Scalar one = 1.0;</c>) or a
    /// field is held: disposed at the end of its scope, or kept with its owner.</summary>
    private static bool Held(IOperation conversion)
    {
        var p = conversion.Parent;
        if (p is IFieldInitializerOperation or IPropertyInitializerOperation) return true;
        if (p is not IVariableInitializerOperation) return false;
        for (var q = p.Parent; q is not null; q = q.Parent)
        {
            if (q is IUsingDeclarationOperation or IUsingOperation) return true;
            if (q is not (IVariableDeclaratorOperation or IVariableDeclarationOperation or IVariableDeclarationGroupOperation)) return false;
        }
        return false;
    }

    /// <summary>A TorchSharp method that makes a Scalar inside: <c>t * 0.5</c> (the operator converts), but
    /// also <c>a + b</c> and <c>add(b)</c> (an alpha of 1), <c>square()</c> (an exponent of 2)…</summary>
    private static bool MakesOne(IMethodSymbol method) =>
        method.ContainingAssembly?.Name == "TorchSharp" && HiddenTemporaries.Value.Contains(Signature(method.OriginalDefinition));

    private static string Signature(IMethodSymbol m) =>
        $"{m.ContainingType.MetadataName}.{m.MetadataName}({string.Join(",", m.Parameters.Select(p => p.Type.MetadataName))})";

    private static string Signature(MethodBase m) =>
        $"{m.DeclaringType!.Name}.{m.Name}({string.Join(",", m.GetParameters().Select(p => p.ParameterType.Name))})";

    /// <summary>TorchSharp's methods whose IL converts a number to a Scalar, directly or through another
    /// such method, read from the assembly the tests run with (so a TorchSharp upgrade is followed).</summary>
    private static readonly Lazy<HashSet<string>> HiddenTemporaries = new(() =>
    {
        var assembly = typeof(TorchSharp.Scalar).Assembly;
        var calls = new Dictionary<MethodBase, List<MethodBase>>();
        foreach (var type in LoadableTypes(assembly))
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly).Cast<MethodBase>()
                         .Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)))
                calls[method] = Callees(method).ToList();
        var makes = calls.Where(kv => kv.Value.Any(c => c.DeclaringType == typeof(TorchSharp.Scalar) && c.Name == "op_Implicit")).Select(kv => kv.Key).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (method, callees) in calls)
                if (!makes.Contains(method) && callees.Any(makes.Contains)) grew = makes.Add(method);
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in makes)
            try { names.Add(Signature(m)); } catch (FileNotFoundException) { }
        return names;
    });

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try { return assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { return e.Types.OfType<Type>(); }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields().Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is FileNotFoundException or BadImageFormatException) { yield break; }
        if (il is null) yield break;
        for (int i = 0; i < il.Length;)
        {
            var op = il[i] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[i + 1])] : OpCodesByValue[il[i]];
            i += op.Size;
            if ((op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj) && Resolve(method.Module, BitConverter.ToInt32(il, i)) is { } callee)
                yield return callee;
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }

    private static MethodBase? Resolve(Module module, int token)
    {
        try { return module.ResolveMethod(token); }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or BadImageFormatException or TypeLoadException) { return null; }
    }

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
