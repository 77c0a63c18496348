Console.WriteLine("AppHost: orchestrator under construction");
