using System.CommandLine;
using System.Reflection;
using Livt.Configuration;

namespace Livt.Cli;

/// <summary>
/// The flags of a command whose settings are one options record (<c>RetrainHeadOptions</c>, <c>EvaluateOptions</c>):
/// an option per <see cref="SettingAttribute"/> property, in declaration order, with the record's own default shown
/// in help, a property whose type declares settings (<c>RawCheckpointOptions</c>) expanded into its flags, and the
/// record built back from the command line (<see cref="Bind"/>).
/// </summary>
/// <typeparam name="T">The record; its parameterless constructor gives the defaults.</typeparam>
internal sealed class RecordOptions<T> where T : class
{
    private readonly Group _root = new(typeof(T), Activator.CreateInstance<T>());

    /// <summary>Every option, nested groups' too, in the order help lists them.</summary>
    public IReadOnlyList<SettingOption> All => _root.Options().ToArray();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option.Option);
    }

    /// <summary>The record: its defaults, with each flag the command line gives in its property.</summary>
    /// <exception cref="LivtException">A value that its setting cannot take (a number with a null word).</exception>
    public T Bind(ParseResult parse) => (T)_root.Bind(parse);

    /// <summary>The flags the command line gives.</summary>
    public IEnumerable<string> Given(ParseResult parse) => All.Where(o => o.Given(parse)).Select(o => o.Setting.Flag);

    /// <summary>The settings of one record type, and the groups among its properties.</summary>
    private sealed class Group
    {
        private readonly Type _type;
        private readonly List<(PropertyInfo Property, SettingOption? Option, Group? Group)> _members = [];

        public Group(Type type, object defaults)
        {
            _type = type;
            var settings = Setting.Of(type).ToDictionary(s => s.Property);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
            {
                if (settings.TryGetValue(property, out var setting))
                    _members.Add((property, new SettingOption(setting, property.GetValue(defaults)), null));
                else if (Setting.Of(property.PropertyType).Count > 0 && property.GetValue(defaults) is { } nested)
                    _members.Add((property, null, new Group(property.PropertyType, nested)));
            }
        }

        public IEnumerable<SettingOption> Options() => _members.SelectMany(m => m.Option is { } o ? [o] : m.Group!.Options());

        // A fresh record's groups are its own (its initialisers make them), so they are filled in place.
        public object Bind(ParseResult parse, object? into = null)
        {
            into ??= Activator.CreateInstance(_type)!;
            foreach (var (property, option, group) in _members)
            {
                if (group is not null) group.Bind(parse, property.GetValue(into));
                else if (option!.Given(parse)) property.SetValue(into, option.Value(parse));
            }
            return into;
        }
    }
}
