using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace DaytonaPS;

/// <summary>
/// Runs when the module is imported or removed: registers the resolver that loads the module's
/// third-party assemblies (Polly.Core, System.Text.Json and their netstandard2.0 dependencies)
/// from the <c>dependencies</c> folder beside DaytonaPS.dll. Not for use from scripts.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ModuleInit : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <summary>Called by PowerShell after DaytonaPS.dll is loaded, once per import (per runspace).</summary>
    public void OnImport() => DependencyResolver.Register();

    /// <summary>Called by PowerShell on Remove-Module.</summary>
    public void OnRemove(PSModuleInfo psModuleInfo) => DependencyResolver.Unregister();
}

/// <summary>
/// Loads DaytonaPS's own copies of its third-party assemblies, only when the runtime cannot find
/// them itself, and only for requests coming from DaytonaPS or from those copies.
/// </summary>
/// <remarks>
/// <para>How a dependency is found, by runtime:</para>
/// <list type="bullet">
/// <item>PowerShell 7 (.NET): the default load context answers first. Assemblies that ship with
/// .NET or PowerShell at the same or a higher version (System.Text.Json, System.Memory,
/// Microsoft.Bcl.AsyncInterfaces, ...) bind there and our copies are never opened: one copy of
/// each in the process. Whatever the default context cannot supply (Polly.Core,
/// Microsoft.Bcl.TimeProvider, or System.Text.Json on a PowerShell whose .NET is older than 8)
/// reaches <see cref="AppDomain.AssemblyResolve"/>, and we load it from <c>dependencies/</c> into a
/// private AssemblyLoadContext named "DaytonaPS", so a module imported later that wants another
/// Polly.Core gets its own instead of ours.</item>
/// <item>Windows PowerShell 5.1 (.NET Framework): there is no load context and no binding
/// redirect in powershell.exe.config for these assemblies; the resolve event stands in for the
/// redirects and loads our copies with <see cref="Assembly.LoadFrom(string)"/>, by simple name
/// whatever version was asked for (System.Text.Json 8 asks for older System.Memory and
/// System.Runtime.CompilerServices.Unsafe than the ones that ship with it).</item>
/// </list>
/// <para>What one netstandard2.0 assembly cannot do: if another module has already loaded a
/// Polly.Core into the default context, DaytonaPS.dll (which PowerShell itself loads into the
/// default context) binds to that one, because every Polly 8.x carries assembly version 8.0.0.0
/// and the runtime reuses an assembly of the requested name and version without raising any
/// resolve event. The real fix is the two-assembly split of PSOpenAD and OpenAuthenticode: a
/// thin assembly in the default context that loads the cmdlet assembly itself into a custom
/// AssemblyLoadContext whose <c>Load</c> override prefers the module's folder. That needs a
/// subclass of AssemblyLoadContext (a net6+ build, or a second netstandard project compiled
/// against System.Runtime.Loader) and a second assembly with its own manifest root; reflection can
/// create and use a plain context, as here, but cannot override <c>Load</c>, so it cannot take a
/// binding away from the default context. The module then runs on the other module's Polly 8.x;
/// tests/pester/Dependencies.Tests.ps1 records what that does with Polly.Core 8.1.0.</para>
/// </remarks>
internal static class DependencyResolver
{
    private static readonly object Gate = new();
    private static readonly Assembly Self = typeof(DependencyResolver).Assembly;
    private static int s_registrations;
    private static string? s_folder;
    private static HashSet<string>? s_available;
    private static Dictionary<string, Assembly>? s_loaded;
    private static LoadContextProxy? s_context;
    private static bool s_contextTried;

    /// <summary>The folder our copies live in: &lt;module&gt;/dependencies.</summary>
    internal static string? DependencyFolder => s_folder;

    /// <summary>Adds the resolve handler (once, however many runspaces import the module).</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (s_registrations++ > 0) return;
            if (s_available is null)
            {
                // File names only: no assembly is opened until the runtime actually asks for one.
                var location = Self.Location;
                var folder = string.IsNullOrEmpty(location) ? null : Path.Combine(Path.GetDirectoryName(location)!, "dependencies");
                var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                if (folder is not null && Directory.Exists(folder))
                {
                    foreach (var file in Directory.GetFiles(folder, "*.dll")) names.Add(Path.GetFileNameWithoutExtension(file));
                }
                s_folder = folder;
                s_available = names;
                s_loaded = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);
            }
            AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
        }
    }

    /// <summary>Removes the handler when the last import is removed. Assemblies already loaded stay loaded.</summary>
    public static void Unregister()
    {
        lock (Gate)
        {
            if (s_registrations == 0 || --s_registrations > 0) return;
            AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
        }
    }

    private static Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args)
    {
        string? name;
        try
        {
            name = new AssemblyName(args.Name).Name;
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (FileLoadException)
        {
            return null;
        }
        if (string.IsNullOrEmpty(name)) return null;

        lock (Gate)
        {
            if (s_available is null || s_loaded is null || s_folder is null || !s_available.Contains(name!)) return null;
            if (s_loaded.TryGetValue(name!, out var done)) return done;
            // Answer only DaytonaPS and our own copies (whether we loaded them or .NET Framework's
            // LoadFrom probing found them beside each other in dependencies/). .NET Framework often
            // gives no requester; then the name alone decides, as a binding redirect would.
            var requester = args.RequestingAssembly;
            if (requester is not null && requester != Self && !IsOurs(requester)) return null;

            var path = Path.Combine(s_folder, name + ".dll");
            var context = Context();
            var assembly = context is not null ? context.LoadFromAssemblyPath(path) : Assembly.LoadFrom(path);
            s_loaded[name!] = assembly;
            return assembly;
        }
    }

    private static bool IsOurs(Assembly assembly)
    {
        if (s_loaded!.ContainsValue(assembly)) return true;
        string location;
        try
        {
            location = assembly.Location;
        }
        catch (NotSupportedException)
        {
            return false; // dynamic assemblies have no location
        }
        return !string.IsNullOrEmpty(location)
            && string.Equals(Path.GetDirectoryName(location), s_folder, StringComparison.OrdinalIgnoreCase);
    }

    private static LoadContextProxy? Context()
    {
        if (!s_contextTried)
        {
            s_contextTried = true;
            s_context = LoadContextProxy.TryCreate("DaytonaPS");
        }
        return s_context;
    }

    /// <summary>
    /// System.Runtime.Loader.AssemblyLoadContext reached by reflection: the type is not part of
    /// netstandard2.0 and does not exist on .NET Framework, where <see cref="TryCreate"/> returns null.
    /// </summary>
    private sealed class LoadContextProxy
    {
        private readonly object _context;
        private readonly MethodInfo _loadFromAssemblyPath;

        private LoadContextProxy(object context, MethodInfo loadFromAssemblyPath)
        {
            _context = context;
            _loadFromAssemblyPath = loadFromAssemblyPath;
        }

        public static LoadContextProxy? TryCreate(string name)
        {
            var type = typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false);
            var ctor = type?.GetConstructor(new[] { typeof(string), typeof(bool) });
            var load = type?.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) });
            if (ctor is null || load is null) return null;
            return new LoadContextProxy(ctor.Invoke(new object[] { name, false }), load);
        }

        public Assembly LoadFromAssemblyPath(string path)
        {
            try
            {
                return (Assembly)_loadFromAssemblyPath.Invoke(_context, new object[] { path });
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                throw;
            }
        }
    }
}
