using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

public static class DrainCommandExtensions
{
    /// <summary>
    /// A "Drain" command on each Api replica (dashboard, or <c>ResourceCommandService</c>): the replica stops claiming
    /// jobs, leaves the gateway's rotation, finishes what it runs, then stops with exit code 0 and stays stopped — a
    /// rolling restart is Drain, then Start. The AppHost and the replicas share a random token, so only the AppHost can
    /// ask (the endpoint is on the replica's own loopback address, outside the gateway's routes).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDrainCommand(this IResourceBuilder<ProjectResource> api)
    {
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        return api
            .WithEnvironment("Drain__Token", token)
            .WithCommand("drain", "Drain", context => DrainAsync(context, token), new CommandOptions
            {
                Description = "Stop claiming jobs, leave the gateway's rotation, finish the running jobs, then stop.",
                ConfirmationMessage = "Drain this replica? It stops once its running jobs have finished; Start brings it back.",
                IconName = "ArrowExit",
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                    ? ResourceCommandState.Enabled
                    : ResourceCommandState.Disabled,
            });
    }

    private static async Task<ExecuteCommandResult> DrainAsync(ExecuteCommandContext context, string token)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        if (!notifications.TryGetCurrentState(context.ResourceName, out var replica)
            || replica.Snapshot.EnvironmentVariables.FirstOrDefault(e => e.Name == "ASPNETCORE_URLS")?.Value is not { Length: > 0 } urls)
        {
            return CommandResults.Failure($"{context.ResourceName} has no address to drain (is it running?)");
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(urls.Split(';')[0]), "/ops/drain"));
        request.Headers.Add("X-Drain-Token", token);
        try
        {
            using var response = await http.SendAsync(request, context.CancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return CommandResults.Failure($"{context.ResourceName} answered {(int)response.StatusCode}");
            }
        }
        catch (HttpRequestException e)
        {
            return CommandResults.Failure($"{context.ResourceName} could not be reached: {e.Message}");
        }
        context.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.AppHost.Drain")
            .LogInformation("{Replica} is draining", context.ResourceName);
        return CommandResults.Success();
    }
}
