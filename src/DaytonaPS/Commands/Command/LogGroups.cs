using System;
using System.Collections.Generic;
using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Folds each sandbox's live output (Invoke-DaytonaCommand -Stream) into its own
/// <c>##[group]</c>/<c>##[endgroup]</c> section of an Azure DevOps log. Groups cannot interleave, so
/// one sandbox at a time owns the log: the first to print is shown live; the lines of the others
/// are held until it ends and then shown, each as its group (the next one live from then on). One
/// instance per cmdlet run, shared by its concurrent commands. Only the markers are DaytonaPS's
/// own text; sandbox lines are neutralised before they get here (so a sandbox cannot print
/// <c>##[endgroup]</c> or <c>##vso[</c>), and the title is neutralised too.
/// </summary>
internal sealed class LogGroups
{
    /// <summary>Held lines per waiting sandbox; past this, the rest is only counted (the result object has it all).</summary>
    internal const int MaxHeldLines = 10000;

    private readonly object _gate = new();
    private readonly CmdletPipe _pipe;
    private readonly Dictionary<string, Held> _held = new(StringComparer.Ordinal);
    private readonly Queue<string> _waiting = new();
    private string? _owner;

    private sealed class Held
    {
        public string Title = string.Empty;
        public readonly List<(HostInformationMessage Message, string[] Tags)> Lines = new();
        public int Dropped;
        public bool Ended;
    }

    public LogGroups(CmdletPipe pipe) => _pipe = pipe;

    /// <summary>One already-neutralised line of <paramref name="key"/>'s command.</summary>
    public void Line(string key, string title, HostInformationMessage message, string[] tags)
    {
        lock (_gate)
        {
            if (_owner is null && !_held.ContainsKey(key))
            {
                _owner = key;
                Marker("##[group]" + Title(title));
            }
            if (_owner == key)
            {
                _pipe.WriteInformation(message, tags);
                return;
            }
            if (!_held.TryGetValue(key, out var held))
            {
                held = new Held { Title = title };
                _held[key] = held;
                _waiting.Enqueue(key);
            }
            if (held.Lines.Count < MaxHeldLines) held.Lines.Add((message, tags));
            else held.Dropped++;
        }
    }

    /// <summary><paramref name="key"/>'s command has ended (or failed): close its group, show the next one's.</summary>
    public void End(string key)
    {
        lock (_gate)
        {
            if (_owner != key)
            {
                if (_held.TryGetValue(key, out var waiting)) waiting.Ended = true;
                return;
            }
            Marker("##[endgroup]");
            _owner = null;
            while (_waiting.Count > 0)
            {
                var next = _waiting.Dequeue();
                var held = _held[next];
                _held.Remove(next);
                Marker("##[group]" + Title(held.Title));
                foreach (var (message, tags) in held.Lines) _pipe.WriteInformation(message, tags);
                if (held.Dropped > 0)
                {
                    Marker($"... {held.Dropped} more lines were not shown while another sandbox's output was; the result object has them.");
                }
                if (!held.Ended)
                {
                    _owner = next;
                    return;
                }
                Marker("##[endgroup]");
            }
        }
    }

    private void Marker(string text) =>
        _pipe.WriteInformation(new HostInformationMessage { Message = text }, new[] { "PSHOST", "DaytonaPS.Group" });

    /// <summary>One line, inert: the title holds the user's command text and the sandbox's name.</summary>
    private static string Title(string title) =>
        AzurePipelines.Neutralise(title.Replace("\r", " ").Replace("\n", " "));
}
