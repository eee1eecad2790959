using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace DaytonaPS.Tests;

/// <summary>
/// The unit tests compile against src/DaytonaPS (a reference that is neither copied nor listed in
/// the deps file), and at run time bind to the built module's DaytonaPS.dll in out/DaytonaPS: the
/// same assembly that Import-Module loads for the module tests, so one test process never holds
/// two copies of it, and the module tests keep testing the built artifact.
/// </summary>
internal static class ModuleAssembly
{
    [ModuleInitializer]
    internal static void Register() =>
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            name.Name == "DaytonaPS" ? context.LoadFromAssemblyPath(Path.Combine(Path.GetDirectoryName(ModuleHost.ModuleManifest)!, "DaytonaPS.dll")) : null;
}
