using System.Reflection;
using System.Runtime.Loader;

namespace Orleans.AgentChannel.Plugins;

/// <summary>
/// Finds plugins in the configured folder: <c>&lt;folder&gt;/&lt;Name&gt;/&lt;Name&gt;.dll</c> (a plugin's build output) or
/// <c>&lt;folder&gt;/&lt;Name&gt;.dll</c>. Each plugin gets its own load context that prefers the host's copy of every
/// assembly the host has (the contracts above all, so <see cref="IMessageInterceptor"/> in the plugin is the
/// host's type) and loads only what the host lacks from the plugin's folder.
/// </summary>
public static class PluginFolder
{
    public static IReadOnlyList<(Type Type, string Source)> Discover(string folder)
    {
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The plugins folder '{root}' (AgentChannel:Plugins:Path) does not exist.");
        }
        // Loose assemblies may be a plugin's dependencies copied alongside it: only those with plugins count.
        var assemblies = Directory.EnumerateFiles(root, "*.dll", SearchOption.TopDirectoryOnly)
            .Where(path => !HostHas(path))
            .Select(path => (Path: path, MustHavePlugins: false))
            .Concat(Directory.EnumerateDirectories(root)
                .Select(directory => Path.Combine(directory, Path.GetFileName(directory) + ".dll"))
                .Where(File.Exists)
                .Select(path => (Path: path, MustHavePlugins: true)))
            .OrderBy(entry => entry.Path, StringComparer.Ordinal)
            .ToList();
        var found = new List<(Type, string)>();
        foreach (var (path, mustHavePlugins) in assemblies)
        {
            var context = new PluginLoadContext(path);
            Assembly assembly;
            try
            {
                assembly = context.LoadFromAssemblyPath(path);
            }
            catch (Exception error) when (error is BadImageFormatException or FileLoadException)
            {
                if (!mustHavePlugins)
                {
                    continue; // a loose native library or resource beside a plugin, not a plugin itself
                }
                throw new InvalidOperationException($"'{path}' in the plugins folder is not a .NET assembly that can be loaded: {error.Message}", error);
            }
            var types = PublicTypes(assembly, path)
                .Where(type => type is { IsClass: true, IsAbstract: false } && PluginDescriptor.ExtensionPointsOf(type).Count > 0)
                .OrderBy(type => type.FullName, StringComparer.Ordinal)
                .ToList();
            if (types.Count == 0 && mustHavePlugins)
            {
                throw new InvalidOperationException(
                    $"'{path}' in the plugins folder has no public class implementing {nameof(IAssignmentStrategy)}, {nameof(IMessageInterceptor)} or {nameof(IEventSink)} " +
                    "(is it built against this server's Orleans.AgentChannel.Plugins.Abstractions?).");
            }
            found.AddRange(types.Select(type => (type, Path.GetRelativePath(root, path))));
        }
        return found;
    }

    /// <summary>Whether the host already has this assembly (then the host's copy is the one everybody uses).</summary>
    private static bool HostHas(string path)
    {
        try
        {
            AssemblyLoadContext.Default.LoadFromAssemblyName(AssemblyName.GetAssemblyName(path));
            return true;
        }
        catch (Exception error) when (error is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return false;
        }
    }

    private static Type[] PublicTypes(Assembly assembly, string path)
    {
        try
        {
            return assembly.GetExportedTypes();
        }
        catch (Exception error) when (error is ReflectionTypeLoadException or FileNotFoundException or FileLoadException)
        {
            throw new InvalidOperationException($"The plugin '{path}' could not be loaded: {error.Message}", error);
        }
    }

    private sealed class PluginLoadContext(string mainAssemblyPath) : AssemblyLoadContext(Path.GetFileNameWithoutExtension(mainAssemblyPath))
    {
        private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // Host first: one copy of the contracts, Orleans and the framework, so the plugin's types unify with ours.
            try
            {
                return Default.LoadFromAssemblyName(assemblyName);
            }
            catch (FileNotFoundException)
            {
                var path = _resolver.ResolveAssemblyToPath(assemblyName);
                return path is null ? null : LoadFromAssemblyPath(path);
            }
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
            return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
        }
    }
}
