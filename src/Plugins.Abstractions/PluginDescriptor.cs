namespace Orleans.AgentChannel.Plugins;

/// <summary>A registered plugin: its type, where it came from, and the extension points it serves.</summary>
public sealed record PluginDescriptor(Type Type, string Source, IReadOnlyList<Type> ExtensionPoints)
{
    public string Name => Type.FullName ?? Type.Name;

    public static IReadOnlyList<Type> ExtensionPointsOf(Type type) =>
        new[] { typeof(IAssignmentStrategy), typeof(IMessageInterceptor), typeof(IEventSink) }
            .Where(point => point.IsAssignableFrom(type)).ToList();
}
