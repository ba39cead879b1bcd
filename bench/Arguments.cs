using System.Globalization;

namespace Orleans.AgentChannel.Bench;

/// <summary>A scenario's positional arguments, each with its default.</summary>
public static class Arguments
{
    public static int Number(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

    /// <summary>A comma-separated list such as <c>10,100,1000</c>.</summary>
    public static int[] List(string[] args, int index, int[] fallback) =>
        args.Length > index ? args[index].Split(',').Select(value => int.Parse(value, CultureInfo.InvariantCulture)).ToArray() : fallback;

    /// <summary>Takes <c>--name value</c> out of <paramref name="args"/> wherever it stands; null when absent.</summary>
    public static string? Option(ref string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0)
        {
            return null;
        }
        if (index + 1 >= args.Length)
        {
            throw new ArgumentException($"{name} needs a value.");
        }
        var value = args[index + 1];
        args = [.. args.Take(index), .. args.Skip(index + 2)];
        return value;
    }
}
