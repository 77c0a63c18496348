using Platform.AppHost.Orchestration;

// The Platform on one machine (see docs/architecture.md, "AppHost and gateway"):
//   redis, postgres      embedded child processes, or the servers in ConnectionStrings__redis / __platform
//   api-0..N-1           Api replicas (database migrated first), wired with Aspire's environment conventions
//   scraper-0..M-1       Scraper replicas, each with its own Chromium
//   gateway              http://localhost:8080: /api and /hubs to the Api replicas, everything else the SPA
var options = AppHostConfiguration.FromArgsAndEnvironment(args);

using var shutdown = new ShutdownSignal();
try
{
    await using var app = await DistributedApp.StartAsync(options, shutdown.Token);

    Console.WriteLine();
    Console.WriteLine($"Platform is ready at {app.GatewayUrl.GetLeftPart(UriPartial.Authority)}   (Ctrl-C to stop)");
    Console.WriteLine();

    await shutdown.WaitAsync();
    Console.WriteLine($"{shutdown.Received} received; stopping every resource…");
}
catch (OperationCanceledException) when (shutdown.IsRequested)
{
    Console.WriteLine("Start-up cancelled; everything started has been stopped.");
}
catch (Exception e)
{
    Console.Error.WriteLine($"AppHost failed: {e.Message}");
    return 1;
}
return 0;
