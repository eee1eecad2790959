namespace DaytonaPS.Emulator.Toolbox;

public static class FileEndpoints
{
    public static void Map(RouteGroupBuilder group) { }
}
