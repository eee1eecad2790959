namespace DaytonaPS.Emulator.Api;

/// <summary>/_emulator/*: change faults, latency and rate limits while running.</summary>
public static class AdminEndpoints
{
    public static void Map(WebApplication app) { }
}
