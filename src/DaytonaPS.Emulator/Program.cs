using DaytonaPS.Emulator;

// Entry point: `dotnet run --project src/DaytonaPS.Emulator -- --urls http://127.0.0.1:PORT --api-key KEY`
EmulatorOptions options;
try
{
    options = EmulatorOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"daytona-emulator: {OneLine(ex.Message)} (--help lists the options)");
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

EmulatorServer server;
try
{
    server = await EmulatorServer.StartAsync(options);
}
catch (Exception ex)
{
    // Bad or refused listen addresses, a port in use, ...: one line, no stack trace.
    Console.Error.WriteLine($"daytona-emulator: cannot start: {OneLine(ex.Message)}");
    return ex is ArgumentException ? 2 : 1;
}
await using var running = server;
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

static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
