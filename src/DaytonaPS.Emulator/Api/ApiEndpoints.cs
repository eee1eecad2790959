namespace DaytonaPS.Emulator.Api;

/// <summary>Daytona's main REST API under /api.</summary>
public static class ApiEndpoints
{
    public static void Map(WebApplication app)
    {
        SandboxEndpoints.Map(app);
        SnapshotEndpoints.Map(app);
        VolumeEndpoints.Map(app);
        SecretEndpoints.Map(app);
        MiscEndpoints.Map(app);
    }
}
