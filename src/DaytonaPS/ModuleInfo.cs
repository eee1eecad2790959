using System.Reflection;

namespace DaytonaPS;

/// <summary>Facts about this build of the module.</summary>
internal static class ModuleInfo
{
    /// <summary>The module version (from Directory.Build.props, the one version source).</summary>
    public static readonly string Version =
        typeof(ModuleInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(ModuleInfo).Assembly.GetName().Version?.ToString(3)
        ?? "0.0.0";
}
