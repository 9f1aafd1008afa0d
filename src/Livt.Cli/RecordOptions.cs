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
/// <typeparam name="T">The record; its parameterless constructor gives the defaults unless the command gives its own.</typeparam>
internal sealed class RecordOptions<T> where T : class
{
    private readonly Group _root;

    /// <param name="defaults">The values of the flags not given (a bench mode's); null: the record's own.</param>
    /// <param name="offers">Which settings the command offers as flags; null: all. The others keep their default.</param>
    public RecordOptions(T? defaults = null, Func<Setting, bool>? offers = null) =>
        _root = new Group(typeof(T), defaults ?? Activator.CreateInstance<T>(), offers ?? (_ => true));

    /// <summary>Every option, nested groups' too, in the order help lists them.</summary>
    public IReadOnlyList<SettingOption> All => _root.Options().ToArray();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option.Option);
    }

    /// <summary>The record: the defaults (every property of them, flags or not), with each flag the command line
    /// gives in its property.</summary>
    /// <exception cref="LivtException">A value that its setting cannot take (a number with a null word).</exception>
    public T Bind(ParseResult parse) => (T)_root.Bind(parse);

    /// <summary>The flags the command line gives.</summary>
    public IEnumerable<string> Given(ParseResult parse) => All.Where(o => o.Given(parse)).Select(o => o.Setting.Flag);

    /// <summary>The settings of one record type, and the groups among its properties.</summary>
    private sealed class Group
    {
        private readonly Type _type;
        private readonly List<(PropertyInfo Property, object? Default, SettingOption? Option, Group? Group)> _members = [];

        public Group(Type type, object defaults, Func<Setting, bool> offers)
        {
            _type = type;
            var settings = Setting.Of(type).ToDictionary(s => s.Property);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
            {
                var value = property.GetValue(defaults);
                if (settings.TryGetValue(property, out var setting))
                    _members.Add((property, value, offers(setting) ? new SettingOption(setting, value) : null, null));
                else if (Setting.Of(property.PropertyType).Count > 0 && value is not null)
                    _members.Add((property, null, null, new Group(property.PropertyType, value, offers)));
                else if (property.CanWrite)
                    _members.Add((property, value, null, null));
            }
        }

        public IEnumerable<SettingOption> Options() =>
            _members.SelectMany(m => m.Group is { } g ? g.Options() : m.Option is { } o ? [o] : []);

        // A fresh record's groups are its own (its initialisers make them), so they are filled in place.
        public object Bind(ParseResult parse, object? into = null)
        {
            into ??= Activator.CreateInstance(_type)!;
            foreach (var (property, value, option, group) in _members)
            {
                if (group is not null) group.Bind(parse, property.GetValue(into));
                else property.SetValue(into, option is not null && option.Given(parse) ? option.Value(parse) : value);
            }
            return into;
        }
    }
}
