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
}
