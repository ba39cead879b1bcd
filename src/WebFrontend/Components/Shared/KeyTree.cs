using MudBlazor;

namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

/// <summary>
/// Memory keys as a tree by '/' prefix: "team/plans/q3" sits under folders "team/" and "team/plans/". A
/// folder's value ends in '/', a key's value is the key itself (a key may also be a folder's name).
/// </summary>
public static class KeyTree
{
    public const char Separator = '/';

    public static List<ITreeItemData<string>> Build(IEnumerable<string> keys, IReadOnlySet<string> expanded, bool expandAll)
    {
        var roots = new List<ITreeItemData<string>>();
        var folders = new Dictionary<string, List<ITreeItemData<string>>>(StringComparer.Ordinal);
        foreach (var key in keys.Order(StringComparer.Ordinal))
        {
            var siblings = roots;
            var segments = key.Split(Separator);
            for (var depth = 0; depth < segments.Length - 1; depth++)
            {
                var folderValue = string.Join(Separator, segments[..(depth + 1)]) + Separator;
                if (!folders.TryGetValue(folderValue, out var children))
                {
                    children = [];
                    folders[folderValue] = children;
                    siblings.Add(new TreeItemData<string>
                    {
                        Value = folderValue,
                        Text = segments[depth] + Separator,
                        Icon = Icons.Material.Filled.Folder,
                        Expanded = expandAll || expanded.Contains(folderValue),
                        Children = children,
                    });
                }
                siblings = children;
            }
            siblings.Add(new TreeItemData<string>
            {
                Value = key,
                Text = segments[^1].Length == 0 ? "(empty)" : segments[^1],
                Icon = Icons.Material.Filled.DataObject,
                Expandable = false,
            });
        }
        return roots;
    }

    public static bool IsFolder(string? value) => value is not null && value.EndsWith(Separator);

    /// <summary>Folder values now expanded, so a rebuilt tree keeps what the operator opened.</summary>
    public static HashSet<string> ExpandedIn(IEnumerable<ITreeItemData<string>> items)
    {
        var expanded = new HashSet<string>(StringComparer.Ordinal);
        void Visit(IEnumerable<ITreeItemData<string>> level)
        {
            foreach (var item in level)
            {
                if (item.Expanded && item.Value is { } value)
                {
                    expanded.Add(value);
                }
                if (item.Children is { } children)
                {
                    Visit(children);
                }
            }
        }
        Visit(items);
        return expanded;
    }
}
