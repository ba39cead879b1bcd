using System.Text.Json;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

/// <summary>
/// Keeps the rows a table already shows when a refresh reads them again unchanged. A table makes its row components
/// again for every new item instance, and a click on a row that the server has just replaced is lost while the
/// browser still shows the old one; records holding lists are never equal across reads, so the comparison is by
/// their JSON.
/// </summary>
public static class UnchangedRows
{
    public static IReadOnlyList<T> Keep<T>(IReadOnlyList<T> shown, IReadOnlyList<T> read)
    {
        if (shown.Count == 0)
        {
            return read;
        }
        var shownByJson = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var row in shown)
        {
            shownByJson.TryAdd(Json(row), row);
        }
        var kept = read.Select(row => shownByJson.TryGetValue(Json(row), out var same) ? same : row).ToList();
        return kept.Count == shown.Count && kept.Zip(shown).All(pair => ReferenceEquals(pair.First, pair.Second)) ? shown : kept;
    }

    private static string Json<T>(T row) => JsonSerializer.Serialize(row, AgentChannelJson.Options);
}
