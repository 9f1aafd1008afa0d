using Livt.Tests.Configuration;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Livt.Tests.Architecture;

/// <summary>
/// The shape rules of src/ (docs/ARCHITECTURE.md, Conventions): no line over <see cref="MaxLineLength"/>
/// characters (.editorconfig's max_line_length), no file over <see cref="MaxFileLines"/> lines, and no
/// method, constructor, operator, accessor or local function over <see cref="MaxMethodLines"/> lines from its
/// first line to its last. Members are found by parsing each file with Roslyn; parsing all of src/ takes
/// about a second.
/// </summary>
public class SourceShapeTests
{
    internal const int MaxLineLength = 160;
    internal const int MaxFileLines = 300;
    internal const int MaxMethodLines = 60;

    /// <summary>Every breach of the rules in one file's text, as "path:line: what".</summary>
    internal static IEnumerable<string> Breaches(string path, string text)
    {
        var lines = text.Split('\n');
        // A final newline ends the last line; it does not start another.
        int count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        if (count > MaxFileLines)
            yield return $"{path}: {count} lines, more than {MaxFileLines}";
        for (int i = 0; i < count; i++)
        {
            int length = lines[i].TrimEnd('\r').Length;
            if (length > MaxLineLength)
                yield return $"{path}:{i + 1}: a line of {length} characters, more than {MaxLineLength}";
        }
        var tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Preview), path);
        foreach (var node in tree.GetRoot().DescendantNodes())
        {
            if (node is not (BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax)) continue;
            var span = tree.GetLineSpan(node.Span);
            int length = span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
            if (length > MaxMethodLines)
                yield return $"{path}:{span.StartLinePosition.Line + 1}: {Name(node)} has {length} lines, more than {MaxMethodLines}";
        }
    }

    private static string Name(SyntaxNode node) => node switch
    {
        MethodDeclarationSyntax m => $"method {m.Identifier.Text}",
        ConstructorDeclarationSyntax c => $"constructor {c.Identifier.Text}",
        LocalFunctionStatementSyntax f => $"local function {f.Identifier.Text}",
        AccessorDeclarationSyntax a => $"{a.Keyword.Text} accessor",
        _ => node.Kind().ToString(),
    };

    [Fact]
    public void SourceFilesKeepToTheLineFileAndMethodLimits()
    {
        string root = RunSpecTests.RepoRoot();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);
        var breaches = files.SelectMany(f => Breaches(f, File.ReadAllText(Path.Combine(root, f)))).ToList();
        Assert.True(breaches.Count == 0, "src/ breaks the shape rules:\n" + string.Join('\n', breaches));
    }

    [Fact]
    public void EachRuleIsCaught()
    {
        static string Lines(int n, string line) => string.Concat(Enumerable.Repeat(line + "\n", n));
        string longLine = $"class C {{ string s = \"{new string('x', MaxLineLength)}\"; }}\n";
        string longMethod = "class C\n{\n    void M()\n    {\n" + Lines(MaxMethodLines - 2, "        M();") + "    }\n}\n";
        string longLocal = "class C\n{\n    void M()\n    {\n        void L()\n        {\n"
            + Lines(MaxMethodLines - 2, "            L();") + "        }\n    }\n}\n";
        string longAccessor = "class C\n{\n    int P\n    {\n        get\n        {\n"
            + Lines(MaxMethodLines - 3, "            P++;") + "            return 0;\n        }\n    }\n}\n";
        string longFile = "class C\n{\n" + Lines(MaxFileLines - 2, "    int F;") + "}\n";
        string fits = "class C\n{\n    void M()\n    {\n" + Lines(MaxMethodLines - 3, "        M();") + "    }\n}\n";

        Assert.Contains("characters", Assert.Single(Breaches("a.cs", longLine)));
        Assert.Contains("method M has 61 lines", Assert.Single(Breaches("a.cs", longMethod)));
        // The local function is the method's too, so the method is over as well.
        Assert.Contains(Breaches("a.cs", longLocal), b => b.Contains("local function L has 61 lines"));
        Assert.Contains(Breaches("a.cs", longAccessor), b => b.Contains("get accessor has 61 lines"));
        Assert.Contains("301 lines", Assert.Single(Breaches("a.cs", longFile)));
        Assert.Empty(Breaches("a.cs", fits));
    }
}
