using System.Text;
using System.Text.RegularExpressions;
using Livt.Tests.Configuration;
using Mono.Cecil;

namespace Livt.Tests.Architecture;

/// <summary>
/// The library's namespaces form layers, and a namespace uses only namespaces of lower layers: no
/// cycles, no upward dependencies, and no dependencies between namespaces of one layer. The layers are
/// declared here once; docs/ARCHITECTURE.md's dependency table is rendered from them and checked. The
/// dependencies are read from Livt.Core's IL (base types, interfaces, fields, signatures, locals, attributes
/// and every type, method and field an instruction names), so a <c>using</c> that is not used does not count
/// and a fully qualified name does. A namespace not listed belongs to its nearest listed parent
/// (<c>Livt.Training.X</c> is part of <c>Livt.Training</c>). Reads one assembly: well under a second.
/// </summary>
public partial class NamespaceDependencyTests
{
    /// <summary>Bottom to top; each entry is one layer: its namespaces and what they are for.</summary>
    internal static readonly (string Namespace, string Role)[][] Layers =
    [
        [("Livt", "LivtException, the base of every error a user can cause")],
        [("Livt.Runtime", "process set-up, CPU features, precision policy, the device-independent random draws")],
        [("Livt.Augmentation", "per-sample transforms, batch mixing"), ("Livt.Models", "ViT, MAE, multi-expert ViT, Difficulty-Net; know no files"),
         ("Livt.Losses", "long-tail losses: pure functions of logits, targets and class counts")],
        [("Livt.Data", "datasets, samplers, the loader")],
        [("Livt.Interop", "safetensors, .pth, model files, load-by-name")],
        [("Livt.Optimization", "parameter store, AdamW/SGD, schedules, optimizer state"), ("Livt.Interop.Onnx", "the ViT as an ONNX graph")],
        [("Livt.Distributed", "process groups, gradient averaging"), ("Livt.Losses.Contrastive", "contrastive losses and their state")],
        [("Livt.Engine", "the training loop and its seams; reads TrainerOptions, not the run spec")],
        [("Livt.Evaluation", "metrics, reports, post-hoc adjustment")],
        [("Livt.Methods", "the long-tail methods, each registered once: names, settings, losses, what evaluation and second stages make of them")],
        [("Livt.Configuration", "the run spec: settings, recipes, rules")],
        [("Livt.Inference", "evaluate, predict, export")],
        [("Livt.Decoupling", "retrain-head: second stages on a frozen encoder")],
        [("Livt.Training.Setup", "what every training use case builds the same way: run folder, data, loader, encoder init")],
        [("Livt.Training.Contrastive", "the supervised contrastive methods' runner, stage and modules")],
        [("Livt.Training", "pretrain, finetune, quickstart")],
        [("Livt.Benchmarking", "livt bench")],
    ];

    private static readonly Dictionary<string, int> LayerOf = Layers
        .SelectMany((layer, i) => layer.Select(n => (n.Namespace, i)))
        .ToDictionary(x => x.Namespace, x => x.i);

    /// <summary>The listed namespace a type's namespace belongs to: itself, or its nearest listed parent.</summary>
    private static string Owner(string ns)
    {
        for (string n = ns; ; n = n[..n.LastIndexOf('.')])
        {
            if (LayerOf.ContainsKey(n)) return n;
            int dot = n.LastIndexOf('.');
            // A new namespace right under Livt belongs to no layer until it is given one.
            if (dot < 0 || n[..dot] == "Livt") return ns;
        }
    }

    /// <summary>Every (from, to) namespace pair of Livt.Core with one example of a reference behind it.</summary>
    internal static Dictionary<(string From, string To), string> Dependencies()
    {
        using var assembly = AssemblyDefinition.ReadAssembly(typeof(LivtException).Assembly.Location);
        var module = assembly.MainModule;
        var edges = new Dictionary<(string, string), string>();
        foreach (var type in module.GetTypes())
        {
            string? from = NamespaceOf(type, module);
            if (from is null) continue;
            void Use(TypeReference? reference, string how)
            {
                foreach (var used in Components(reference))
                    if (NamespaceOf(used, module) is { } to && Owner(to) != Owner(from))
                        edges.TryAdd((Owner(from), Owner(to)), $"{type.FullName} → {used.FullName} ({how})");
            }
            Use(type.BaseType, "base type");
            foreach (var i in type.Interfaces) Use(i.InterfaceType, "interface");
            foreach (var a in type.CustomAttributes) Use(a.AttributeType, "attribute");
            foreach (var f in type.Fields) Use(f.FieldType, $"field {f.Name}");
            foreach (var p in type.Properties) Use(p.PropertyType, $"property {p.Name}");
            foreach (var m in type.Methods)
            {
                Use(m.ReturnType, $"{m.Name} returns");
                foreach (var p in m.Parameters) Use(p.ParameterType, $"{m.Name} parameter");
                foreach (var a in m.CustomAttributes) Use(a.AttributeType, $"{m.Name} attribute");
                if (!m.HasBody) continue;
                foreach (var v in m.Body.Variables) Use(v.VariableType, $"{m.Name} local");
                foreach (var instruction in m.Body.Instructions)
                    switch (instruction.Operand)
                    {
                        case TypeReference t: Use(t, $"{m.Name} uses"); break;
                        case MethodReference r:
                            Use(r.DeclaringType, $"{m.Name} calls {r.Name}");
                            Use(r.ReturnType, $"{m.Name} calls {r.Name}");
                            if (r is GenericInstanceMethod g) foreach (var a in g.GenericArguments) Use(a, $"{m.Name} calls {r.Name}");
                            break;
                        case FieldReference f: Use(f.DeclaringType, $"{m.Name} reads {f.Name}"); break;
                    }
            }
        }
        return edges;
    }

    /// <summary>The named types a reference is made of: T[] → T, List&lt;T&gt; → List, T.</summary>
    private static IEnumerable<TypeReference> Components(TypeReference? reference)
    {
        switch (reference)
        {
            case null: yield break;
            case GenericInstanceType g:
                yield return g.ElementType;
                foreach (var a in g.GenericArguments)
                    foreach (var c in Components(a)) yield return c;
                break;
            case TypeSpecification s:
                foreach (var c in Components(s.ElementType)) yield return c;
                break;
            case GenericParameter: yield break;
            default: yield return reference; break;
        }
    }

    /// <summary>The namespace of a Livt.Core type (a nested type's is its outermost type's), or null for
    /// another assembly's and for compiler-generated types outside any namespace.</summary>
    private static string? NamespaceOf(TypeReference type, ModuleDefinition module)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        bool own = type is TypeDefinition || type.Scope == module || type.Scope.Name == module.Assembly.Name.Name;
        return own && type.Namespace.StartsWith("Livt", StringComparison.Ordinal) ? type.Namespace : null;
    }

    [Fact]
    public void EveryNamespaceIsInALayer()
    {
        var unlisted = Dependencies().Keys.SelectMany(e => new[] { e.From, e.To }).Where(n => !LayerOf.ContainsKey(n)).Distinct().Order().ToList();
        Assert.True(unlisted.Count == 0, $"namespaces in no layer of {nameof(NamespaceDependencyTests)}.{nameof(Layers)}: {string.Join(", ", unlisted)}");
    }

    [Fact]
    public void NamespacesUseOnlyLowerLayers()
    {
        var wrong = Dependencies()
            .Where(e => LayerOf.TryGetValue(e.Key.From, out int from) && LayerOf.TryGetValue(e.Key.To, out int to) && to >= from)
            .Select(e => $"{e.Key.From} → {e.Key.To} ({(LayerOf[e.Key.To] == LayerOf[e.Key.From] ? "same layer" : "upward")}): {e.Value}")
            .Order().ToList();
        Assert.True(wrong.Count == 0, "dependencies against the layers:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void TheLayersHoldTheKnownSeams()
    {
        // The seams the layers exist for: models know no files, the engine no run spec, and a method family
        // below the use case that dispatches to it.
        var edges = Dependencies().Keys.ToHashSet();
        Assert.DoesNotContain(("Livt.Models", "Livt.Interop"), edges);
        Assert.DoesNotContain(("Livt.Engine", "Livt.Configuration"), edges);
        Assert.DoesNotContain(("Livt.Training.Contrastive", "Livt.Training"), edges);
        Assert.Contains(("Livt.Interop", "Livt.Models"), edges);
        Assert.Contains(("Livt.Training", "Livt.Training.Contrastive"), edges);
    }

    /// <summary>docs/ARCHITECTURE.md's table of the layers, bottom to top, with what each may use.</summary>
    internal static string Markdown()
    {
        var used = Dependencies().Keys.ToLookup(e => e.From, e => e.To);
        var sb = new StringBuilder();
        sb.Append("| layer | namespace | what it is | uses |\n| --- | --- | --- | --- |\n");
        for (int i = Layers.Length - 1; i >= 0; i--)
            foreach (var (ns, role) in Layers[i])
            {
                var uses = used[ns].Where(n => n != "Livt").OrderBy(n => LayerOf.GetValueOrDefault(n, -1)).ThenBy(n => n, StringComparer.Ordinal).Select(n => $"`{n["Livt.".Length..]}`");
                sb.Append($"| {i} | `{ns}` | {role} | {string.Join(", ", uses)} |\n");
            }
        return sb.ToString();
    }

    [GeneratedRegex(@"<!-- generated: namespace layers -->\n.*?<!-- end generated -->", RegexOptions.Singleline)]
    private static partial Regex Block();

    [Fact]
    public void ArchitectureDocShowsTheLayers()
    {
        string path = Path.Combine(RunSpecTests.RepoRoot(), "docs", "ARCHITECTURE.md");
        string text = File.ReadAllText(path).Replace("\r\n", "\n");
        Assert.True(Block().IsMatch(text), "docs/ARCHITECTURE.md: no <!-- generated: namespace layers --> block");
        string expected = Block().Replace(text, $"<!-- generated: namespace layers -->\n{Markdown()}<!-- end generated -->");
        // LIVT_WRITE_DOCS=1 rewrites the block instead of comparing it.
        if (Environment.GetEnvironmentVariable("LIVT_WRITE_DOCS") == "1") File.WriteAllText(path, expected);
        Assert.True(expected == text, "docs/ARCHITECTURE.md's layer table is out of date: run this test with LIVT_WRITE_DOCS=1, or replace the file with:\n" + expected);
    }
}
