namespace DaytonaPS.Emulator.Toolbox;

/// <summary>Daytona's toolbox (sandbox daemon) API under /toolbox/{sandboxId}.</summary>
public static class ToolboxEndpoints
{
    public static void Map(WebApplication app) { }
}
