using System.Globalization;
using System.Text;
using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Storage;

/// <summary>
/// The words of a full-text search, as both engines index text: a word is a run of letters and digits (Unicode
/// categories L*, N*, Co: SQLite FTS5's unicode61 tokens; PostgreSQL indexes the text with every other ASCII character
/// turned into a space, Sql/PostgreSQL/190-Search.sql), compared without case. Anything else in the query separates words, so no input can be FTS syntax: a
/// query is its words, every one required, a word followed by <c>*</c> matching as a prefix. Written as the engine's
/// query from words alone (<see cref="ToFts5"/>, <see cref="ToTsQuery"/>), never from the raw text.
/// </summary>
public sealed class SearchText
{
    public const int MaxChars = 1000;
    public const int MaxWords = 16;

    /// <summary>How many of the newest matches a message search ranks (docs/architecture.md, "Search").</summary>
    public const int Window = 1000;
    private const int SnippetChars = 160;

    private SearchText(IReadOnlyList<(string Word, bool Prefix)> words) => Words = words;

    public IReadOnlyList<(string Word, bool Prefix)> Words { get; }

    /// <summary>The words of <paramref name="text"/>; none, or too many, is <c>invalid</c> naming <c>q</c>.</summary>
    public static SearchText Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw AgentChannelException.Invalid("q", "'q' is required: the words to search for.");
        }
        if (text.Length > MaxChars)
        {
            throw AgentChannelException.Invalid("q", $"'q' is longer than {MaxChars} characters.");
        }
        var words = new List<(string Word, bool Prefix)>();
        foreach (var (start, length) in Tokens(text))
        {
            var prefix = start + length < text.Length && text[start + length] == '*';
            var word = text.Substring(start, length).ToLowerInvariant();
            if (!words.Contains((word, prefix)))
            {
                words.Add((word, prefix));
            }
        }
        return words.Count switch
        {
            0 => throw AgentChannelException.Invalid("q", "'q' has no word to search for (letters or digits)."),
            > MaxWords => throw AgentChannelException.Invalid("q", $"'q' has more than {MaxWords} words."),
            _ => new SearchText(words),
        };
    }

    /// <summary>An FTS5 query: each word a quoted string (a word has no quote in it), all required.</summary>
    public string ToFts5() => string.Join(" ", Words.Select(word => $"\"{word.Word}\"{(word.Prefix ? "*" : "")}"));

    /// <summary>A tsquery for <c>to_tsquery('simple', ...)</c>: the words joined by <c>&amp;</c>, prefixes as <c>:*</c>.</summary>
    public string ToTsQuery() => string.Join(" & ", Words.Select(word => word.Prefix ? $"{word.Word}:*" : word.Word));

    /// <summary>
    /// The candidates in order of relevance, most relevant first (newer first among equals), with their scores: Okapi
    /// BM25 (k1 = 1.2, b = 0.75) over the candidates themselves, a word's weight the rarer it is among them. Ranked here,
    /// not by the engine, so both engines order alike and the cost is that of the candidates, never of every match.
    /// </summary>
    public IReadOnlyList<(long Seq, double Score)> Rank(IReadOnlyList<(long Seq, string Text)> candidates)
    {
        const double k1 = 1.2, b = 0.75;
        var counts = new int[candidates.Count, Words.Count];
        var lengths = new int[candidates.Count];
        var holding = new int[Words.Count];
        for (var c = 0; c < candidates.Count; c++)
        {
            var text = candidates[c].Text;
            foreach (var token in Tokens(text))
            {
                lengths[c]++;
                for (var w = 0; w < Words.Count; w++)
                {
                    if (IsMatch(text, token, Words[w]))
                    {
                        counts[c, w]++;
                    }
                }
            }
            for (var w = 0; w < Words.Count; w++)
            {
                holding[w] += counts[c, w] > 0 ? 1 : 0;
            }
        }
        var averageLength = Math.Max(1.0, lengths.DefaultIfEmpty(0).Average());
        var ranked = new List<(long Seq, double Score)>(candidates.Count);
        for (var c = 0; c < candidates.Count; c++)
        {
            var score = 0.0;
            for (var w = 0; w < Words.Count; w++)
            {
                var idf = Math.Log(1 + (candidates.Count - holding[w] + 0.5) / (holding[w] + 0.5));
                var tf = counts[c, w];
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[c] / averageLength));
            }
            ranked.Add((candidates[c].Seq, score));
        }
        ranked.Sort((x, y) => y.Score != x.Score ? y.Score.CompareTo(x.Score) : y.Seq.CompareTo(x.Seq));
        return ranked;
    }

    /// <summary>Whether <paramref name="text"/> has a word this search matches.</summary>
    public bool Matches(string text) => Tokens(text).Any(token => IsMatch(text, token));

    /// <summary>
    /// An excerpt of <paramref name="text"/> around its first matching word, each matching word in it between
    /// <c>**</c>; the start of the text when nothing in it matches.
    /// </summary>
    public string Snippet(string text)
    {
        var tokens = Tokens(text).ToList();
        var first = tokens.FindIndex(token => IsMatch(text, token));
        var from = first < 0 ? 0 : Math.Max(0, tokens[first].Start - SnippetChars / 4);
        if (from > 0)
        {
            // Start at a word, not inside one.
            from = tokens.First(token => token.Start + token.Length > from).Start;
        }
        var to = Math.Min(text.Length, from + SnippetChars);
        if (to < text.Length && tokens.FirstOrDefault(token => token.Start < to && token.Start + token.Length > to) is { Length: > 0 } cut)
        {
            to = cut.Start + cut.Length;
        }
        var snippet = new StringBuilder(to - from + 16);
        if (from > 0)
        {
            snippet.Append('…');
        }
        var at = from;
        foreach (var token in tokens.Where(token => token.Start >= from && token.Start + token.Length <= to && IsMatch(text, token)))
        {
            snippet.Append(text, at, token.Start - at).Append("**").Append(text, token.Start, token.Length).Append("**");
            at = token.Start + token.Length;
        }
        snippet.Append(text, at, to - at);
        if (to < text.Length)
        {
            snippet.Append('…');
        }
        return snippet.ToString().ReplaceLineEndings(" ");
    }

    private bool IsMatch(string text, (int Start, int Length) token) => Words.Any(word => IsMatch(text, token, word));

    private static bool IsMatch(string text, (int Start, int Length) token, (string Word, bool Prefix) searched)
    {
        var word = text.AsSpan(token.Start, token.Length);
        return searched.Prefix
            ? word.Length >= searched.Word.Length && word[..searched.Word.Length].Equals(searched.Word, StringComparison.OrdinalIgnoreCase)
            : word.Equals(searched.Word, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The words of a text: runs of letters, digits and private-use characters.</summary>
    private static IEnumerable<(int Start, int Length)> Tokens(string text)
    {
        var start = -1;
        for (var index = 0; index < text.Length;)
        {
            var isWord = Rune.TryGetRuneAt(text, index, out var rune) && IsWordRune(rune);
            var width = rune.Utf16SequenceLength is > 0 and var n && isWord ? n : 1;
            if (isWord && start < 0)
            {
                start = index;
            }
            else if (!isWord && start >= 0)
            {
                yield return (start, index - start);
                start = -1;
            }
            index += width;
        }
        if (start >= 0)
        {
            yield return (start, text.Length - start);
        }
    }

    private static bool IsWordRune(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.PrivateUse => true,
        _ => false,
    };
}
