using DaytonaPS.Emulator;

// Entry point: `dotnet run --project src/DaytonaPS.Emulator -- --urls http://127.0.0.1:PORT --api-key KEY`
EmulatorOptions options;
try
{
    options = EmulatorOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"daytona-emulator: {ex.Message}");
    Console.Error.WriteLine(EmulatorOptions.Usage);
    return 2;
}

// A key may also come from the environment, so it need not appear on a process command line.
if (Environment.GetEnvironmentVariable("DAYTONA_EMULATOR_API_KEY") is { Length: > 0 } envKey)
{
    options.ApiKeys.Add(envKey);
}

if (options.ShowHelp)
{
    Console.WriteLine(EmulatorOptions.Usage);
    return 0;
}

await using var server = await EmulatorServer.StartAsync(options);
foreach (var note in server.StartupNotes)
{
    Console.Error.WriteLine($"daytona-emulator: {note}");
}
// The one line a caller waits for: the API base URL.
Console.WriteLine(server.ApiUrl);
Console.Out.Flush();

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
await Task.WhenAny(stop.Task, server.WaitForShutdownAsync());
return 0;
