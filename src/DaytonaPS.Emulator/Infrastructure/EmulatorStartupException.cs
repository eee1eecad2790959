namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>The emulator cannot run as configured (Program prints the message as one line).</summary>
public sealed class EmulatorStartupException(string message) : Exception(message);
