using System.Globalization;
using System.Management.Automation;
using System.Threading.Tasks;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// ShouldProcess for the command cmdlets without a trip to the pipeline thread when its answer is
/// known before the first record: no -WhatIf (nor $WhatIfPreference), no -Confirm, and a
/// $ConfirmPreference above the cmdlet's impact, which is the everyday case. PowerShell then answers
/// true and only writes the verbose line "Performing the operation ..."; this does the same from the
/// worker. Otherwise every call goes to the real ShouldProcess on the pipeline thread. A command
/// costs a few milliseconds, and two thread hops per call are a measurable part of them (see
/// bench/results.md), most of all on a loaded machine.
/// </summary>
internal sealed class ConfirmationShortcut
{
    private readonly bool _known;

    private ConfirmationShortcut(bool known) => _known = known;

    /// <summary>Decides from the cmdlet's parameters and preferences; call on the pipeline thread (BeginProcessing).</summary>
    public static ConfirmationShortcut For(PSCmdlet cmdlet, ConfirmImpact impact)
    {
        var bound = cmdlet.MyInvocation.BoundParameters;
        if (bound.TryGetValue("WhatIf", out var whatIf) ? IsOn(whatIf) : IsOn(cmdlet.SessionState.PSVariable.GetValue("WhatIfPreference", false)))
            return new ConfirmationShortcut(false);
        if (bound.TryGetValue("Confirm", out var confirm)) return new ConfirmationShortcut(!IsOn(confirm));
        var preference = cmdlet.SessionState.PSVariable.GetValue("ConfirmPreference", ConfirmImpact.High);
        if (!LanguagePrimitives.TryConvertTo(preference, CultureInfo.InvariantCulture, out ConfirmImpact level)) return new ConfirmationShortcut(false);
        return new ConfirmationShortcut(level == ConfirmImpact.None || level > impact);
    }

    private static bool IsOn(object? value) => value is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(value);

    /// <summary>The answer of ShouldProcess(target, action), asked on the pipeline thread only when it is not known.</summary>
    public Task<bool> ShouldProcessAsync(CmdletPipe pipe, string target, string action)
    {
        if (!_known) return pipe.ShouldProcessAsync(target, action);
        pipe.WriteVerbose($"Performing the operation \"{action}\" on target \"{target}\".");
        return Task.FromResult(true);
    }
}
