using MudBlazor;

namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

/// <summary>
/// The key tree a page shows (<see cref="KeyTree"/>), built again only when the set of keys changed: a rebuilt tree
/// has new elements, and a click on an element being replaced is lost, so a write to a key already shown (the usual
/// live change) leaves the tree as it is. Folders keep their expanded state across rebuilds.
/// </summary>
public sealed class ShownKeyTree
{
    /// <summary>Up to this many keys every folder starts expanded.</summary>
    private const int ExpandAllUpTo = 200;

    private List<string> _keys = [];

    public List<ITreeItemData<string>> Items { get; private set; } = [];

    public void Show(IEnumerable<string> keys)
    {
        var sorted = keys.Order(StringComparer.Ordinal).ToList();
        if (sorted.SequenceEqual(_keys, StringComparer.Ordinal))
        {
            return;
        }
        _keys = sorted;
        Items = KeyTree.Build(sorted, KeyTree.ExpandedIn(Items), expandAll: sorted.Count <= ExpandAllUpTo);
    }
}
