namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

/// <summary>A line diff (longest common subsequence) of two texts, for comparing versions of a JSON value.</summary>
public static class LineDiff
{
    /// <summary>Above this many table cells the middle part is shown as removed-then-added instead (values are ≤ 256 KiB).</summary>
    public const long MaxCells = 4_000_000;

    public static IReadOnlyList<DiffLine> Compare(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        // Equal heads and tails need no table; JSON edits usually touch a few lines in the middle.
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head])
        {
            head++;
        }
        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[^(tail + 1)] == b[^(tail + 1)])
        {
            tail++;
        }
        var lines = new List<DiffLine>(a.Length + b.Length);
        lines.AddRange(a[..head].Select(line => new DiffLine(DiffChange.Same, line)));
        lines.AddRange(Middle(a[head..^tail], b[head..^tail]));
        lines.AddRange(a[^tail..].Select(line => new DiffLine(DiffChange.Same, line)));
        return lines;
    }

    private static IEnumerable<DiffLine> Middle(string[] a, string[] b)
    {
        if ((long)a.Length * b.Length > MaxCells)
        {
            return a.Select(line => new DiffLine(DiffChange.Removed, line)).Concat(b.Select(line => new DiffLine(DiffChange.Added, line)));
        }
        // common[i, j] = length of the longest common subsequence of a[i..] and b[j..].
        var common = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                common[i, j] = a[i] == b[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }
        var lines = new List<DiffLine>();
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y])
            {
                lines.Add(new DiffLine(DiffChange.Same, a[x++]));
                y++;
            }
            else if (common[x + 1, y] >= common[x, y + 1])
            {
                lines.Add(new DiffLine(DiffChange.Removed, a[x++]));
            }
            else
            {
                lines.Add(new DiffLine(DiffChange.Added, b[y++]));
            }
        }
        lines.AddRange(a[x..].Select(line => new DiffLine(DiffChange.Removed, line)));
        lines.AddRange(b[y..].Select(line => new DiffLine(DiffChange.Added, line)));
        return lines;
    }
}
