using System.CommandLine;
using System.Reflection;
using System.Text.RegularExpressions;
using Livt.Cli;
using Livt.Configuration;
using Livt.Tests.Configuration;

namespace Livt.Tests.Docs;

/// <summary>
/// The documentation checked like code: docs/CLI.md's tables are the ones the commands and settings
/// render, every <c>--flag</c> the docs mention exists, every relative link resolves, the README stays
/// a front door, and no page talks about how Livt was made. Reads text only: well under a second.
/// </summary>
public partial class DocsTests
{
    private static readonly string Root = RunSpecTests.RepoRoot();

    /// <summary>Every top-level command of the CLI: each parameterless static factory of a Command in
    /// the livt assembly (so a new command is checked without being listed here).</summary>
    internal static RootCommand Cli()
    {
        var root = new RootCommand();
        var factories = typeof(Arguments).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(m => m.ReturnType == typeof(Command) && m.GetParameters().Length == 0);
        foreach (var factory in factories) root.Add((Command)factory.Invoke(null, null)!);
        return root;
    }

    private static IEnumerable<Command> AllCommands(Command command) => command.Subcommands.SelectMany(AllCommands).Prepend(command);

    private static string Text(string path) => File.ReadAllText(path).Replace("\r\n", "\n");

    /// <summary>README.md and every docs/*.md.</summary>
    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string>();
        foreach (var page in Directory.GetFiles(Path.Combine(RunSpecTests.RepoRoot(), "docs"), "*.md").Order().Prepend(Path.Combine(RunSpecTests.RepoRoot(), "README.md")))
            data.Add(Path.GetRelativePath(RunSpecTests.RepoRoot(), page));
        return data;
    }

    [GeneratedRegex(@"<!-- generated: (?<name>[^>]+?) -->\n(?<body>.*?)<!-- end generated -->", RegexOptions.Singleline)]
    private static partial Regex GeneratedBlock();

    /// <summary>What a generated block of docs/CLI.md must hold, by its name.</summary>
    private static string Render(RootCommand cli, string name)
    {
        if (name == "training flags") return SettingsTable.Markdown();
        if (name == "methods") return SettingsTable.Methods();
        if (name == "official flags") return OfficialFlags.Markdown();
        var words = name.Split(' ');
        Assert.Equal("livt", words[0]);
        Command command = cli;
        foreach (var word in words.Skip(1))
            command = command.Subcommands.SingleOrDefault(c => c.Name == word) ?? throw new Xunit.Sdk.XunitException($"docs/CLI.md: no command '{name}'");
        return OptionTable.Markdown(command);
    }

    [Fact]
    public void CliReferenceIsTheOneTheCommandsRender()
    {
        var cli = Cli();
        string path = Path.Combine(Root, "docs", "CLI.md"), text = Text(path);
        var blocks = GeneratedBlock().Matches(text);
        string expected = GeneratedBlock().Replace(text, m => $"<!-- generated: {m.Groups["name"].Value} -->\n{Render(cli, m.Groups["name"].Value)}<!-- end generated -->");
        // LIVT_WRITE_DOCS=1 rewrites the blocks instead of comparing them.
        if (Environment.GetEnvironmentVariable("LIVT_WRITE_DOCS") == "1") File.WriteAllText(path, expected);
        Assert.True(expected == text, "docs/CLI.md's generated tables are out of date: run this test with LIVT_WRITE_DOCS=1, or replace the file with:\n" + expected);

        // Every command with flags of its own is documented: by its table, or a sibling's that has all its flags.
        var documented = blocks.Select(m => m.Groups["name"].Value).Where(n => n.StartsWith("livt ", StringComparison.Ordinal))
            .Select(n => Names(n.Split(' ').Skip(1).Aggregate((Command)cli, (c, w) => c.Subcommands.Single(s => s.Name == w)))).ToList();
        string[] training = ["pretrain", "finetune", "quickstart"];
        foreach (var command in AllCommands(cli).Skip(1).Where(c => c.Options.Count > 0 && !training.Contains(c.Name)))
            Assert.True(documented.Any(d => Names(command).IsSubsetOf(d)), $"docs/CLI.md has no table of `{command.Name}`'s flags: add <!-- generated: livt ... {command.Name} --> and <!-- end generated -->");
        Assert.Contains("<!-- generated: training flags -->", text);
        Assert.Contains("<!-- generated: official flags -->", text);
    }

    private static HashSet<string> Names(Command command) => command.Options.Select(o => o.Name).ToHashSet();

    [GeneratedRegex(@"(?<![\w/.-])--[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*")]
    private static partial Regex Flag();

    // Flags of the other tools the pages show (dotnet, Open MPI, Slurm, the fixture scripts, the examples), of
    // the official code bases the method pages cite, and the mistyped flags of the error examples.
    private static readonly HashSet<string> OtherTools =
    [
        "--project", "--no-build", "--filter", "--add-source", "--source", "--global", "--allow-run-as-root", "--bind-to", "--oversubscribe",
        "--hostfile", "--map-by", "--mca", "--mpi", "--ntasks-per-node", "--nodes", "--gpus-per-node", "--gpus-per-task", "--time",
        "--nproc_per_node", "--official", "--official-iif", "--make-sample", "--version",
        "--moco-m", "--use_norm", "--sep_t", "--tr", "--deffered", "--loss_type", "--aug", "--cl_views",
        "--bogus", "--batchsize",
        // livt-fuzz, the readers' fuzzer in bench/fuzz (docs/RELIABILITY.md).
        "--target", "--minutes", "--replay", "--list",
    ];

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryFlagAPageMentionsExists(string page)
    {
        var known = AllCommands(Cli()).SelectMany(c => c.Options).SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet();
        known.UnionWith(["--help", "-h"]);
        known.UnionWith(GlobalOptions.All.Select(o => o.Name));
        bool Exists(string flag) => known.Contains(flag) || known.Contains(OfficialFlags.Dashed(flag)) || OfficialFlags.Find(flag) is not null || OtherTools.Contains(flag);
        var unknown = Flag().Matches(Text(Path.Combine(Root, page))).Select(m => m.Value).Where(f => !Exists(f)).Distinct().ToList();
        Assert.True(unknown.Count == 0, $"{page} mentions flags no command has: {string.Join(", ", unknown)}");
    }

    [GeneratedRegex(@"\[[^\]]*\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} +(?<title>.+?) *$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    /// <summary>The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as dashes.</summary>
    private static string Anchor(string heading) =>
        new string(heading.ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_').ToArray()).Replace(' ', '-');

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryRelativeLinkResolves(string page)
    {
        string path = Path.Combine(Root, page);
        var broken = new List<string>();
        foreach (var target in Link().Matches(Text(path)).Select(m => m.Groups["target"].Value))
        {
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal)) continue;
            var parts = target.Split('#', 2);
            string file = parts[0].Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, parts[0]));
            if (!File.Exists(file) && !Directory.Exists(file)) broken.Add(target);
            else if (parts.Length == 2 && !(file.EndsWith(".md", StringComparison.Ordinal) && Heading().Matches(Text(file)).Any(h => Anchor(h.Groups["title"].Value) == parts[1])))
                broken.Add(target);
        }
        Assert.True(broken.Count == 0, $"{page}: links that do not resolve: {string.Join(", ", broken)}");
    }

    [Fact]
    public void ThePackageReadmeLinksNowhereRelative()
    {
        // A package page has no repository around it: its links must be absolute.
        var relative = Link().Matches(Text(Path.Combine(Root, "build", "PACKAGE_README.md"))).Select(m => m.Groups["target"].Value)
            .Where(t => !t.Contains("://", StringComparison.Ordinal)).ToList();
        Assert.True(relative.Count == 0, $"build/PACKAGE_README.md has relative links: {string.Join(", ", relative)}");
    }

    [Fact]
    public void TheReadmeIsAFrontDoor()
    {
        var lines = Text(Path.Combine(Root, "README.md")).TrimEnd('\n').Split('\n');
        Assert.True(lines.Length <= 200, $"README.md has {lines.Length} lines; the manual belongs in docs/");
        var wide = lines.Select((l, i) => (Line: i + 1, l.Length)).Where(l => l.Length > 200).ToList();
        Assert.True(wide.Count == 0, $"README.md lines over 200 characters: {string.Join(", ", wide.Select(w => $"{w.Line} ({w.Length})"))}");
        // Its two commands are the ones CI runs.
        string ci = Text(Path.Combine(Root, ".ci", "run"));
        Assert.Contains("dotnet test Livt.sln -c Release\n", ci);
        Assert.Contains("dotnet test Livt.sln -c Release\n", string.Join('\n', lines));
        Assert.Contains("apt-get install -y dataset-fashion-mnist && dotnet run -c Release --project src/Livt.Cli -- quickstart", string.Join('\n', lines));
    }

    // Words about how the code base was made, not about what it is.
    [GeneratedRegex(@"\bissue ?#?\d|#\d{1,3}\b|\bthe brief\b|\bsessions?\b|\bhelpers?\b|package mirror|machine's mirror|\bthe target is\b|\bbench issue|second-stage issue|\bthis machine\b|\bnot kept\b",
        RegexOptions.IgnoreCase)]
    private static partial Regex HowItWasMade();

    // In code, "session" and "helper" are ordinary words (ONNX Runtime's InferenceSession).
    [GeneratedRegex(@"\bissue ?#\d|\bthe brief\b|package mirror|machine's (package )?mirror|\bthis session\b|METHOD\.md(?<!docs/METHOD\.md)", RegexOptions.IgnoreCase)]
    private static partial Regex HowItWasMadeInCode();

    /// <summary>The lines outside fenced code blocks (code samples name their own variables).</summary>
    private static IEnumerable<(int Line, string Text)> Prose(string text)
    {
        bool fenced = false;
        foreach (var (line, i) in text.Split('\n').Select((l, i) => (l, i)))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) fenced = !fenced;
            else if (!fenced) yield return (i + 1, line);
        }
    }

    [Fact]
    public void NoPageTalksAboutHowItWasMade()
    {
        var files = Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Append(Path.Combine(Root, "README.md"))
            .Concat(Directory.GetFiles(Path.Combine(Root, "recipes"), "*.json"))
            .Concat(Directory.GetFiles(Root, "*.md")).Concat(Directory.GetFiles(Path.Combine(Root, "build"), "*.md"));
        var hits = files.Distinct().SelectMany(f => Prose(Text(f)).Select(l => (File: f, l.Line, l.Text)))
            .Where(l => HowItWasMade().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(Root, l.File)}:{l.Line}: {HowItWasMade().Match(l.Text).Value}").ToList();
        string[] code = ["src", "tests", "bench", "tools", "build", "examples"];
        hits.AddRange(code.SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root, d), "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".py", StringComparison.Ordinal) || f.EndsWith("proj", StringComparison.Ordinal)
                        || f.EndsWith(".props", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal) || f.EndsWith(".sh", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.EndsWith(nameof(DocsTests) + ".cs", StringComparison.Ordinal))
            .Append(Path.Combine(Root, "Directory.Build.props"))
            .SelectMany(f => Text(f).Split('\n').Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => HowItWasMadeInCode().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(Root, l.File)}:{l.Line}: {HowItWasMadeInCode().Match(l.Text).Value}"));
        Assert.True(hits.Count == 0, "Say what Livt is and what was measured, not how it was made:\n" + string.Join("\n", hits));
    }
}
