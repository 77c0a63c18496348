using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Platform.Peers.Bench;

/// <summary>
/// A signed-in user as the SPA is: its HTTP client and one hub connection that is told (<c>userEvent</c>
/// <c>job.changed</c>) when one of its jobs changes state, so waiting for a job costs the server nothing.
/// </summary>
internal sealed class LiveUser(HttpClient http, HubConnection hub) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _waiting = new();
    private readonly ConcurrentDictionary<string, string> _finished = new();

    public HttpClient Http => http;

    public static async Task<LiveUser> ConnectAsync(HttpClient http, CookieContainer cookies)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(http.BaseAddress!, "hubs/jobs"), options =>
            {
                options.Cookies = cookies;
                options.Transports = HttpTransportType.WebSockets;
            })
            .Build();
        var user = new LiveUser(http, hub);
        hub.On<JsonElement>("userEvent", user.OnUserEvent);
        await hub.StartAsync();
        await hub.InvokeAsync<JsonElement>("SubscribeUser");
        return user;
    }

    /// <summary>Waits until job <paramref name="id"/> is completed, failed or cancelled; returns that state.</summary>
    public async Task<string> WaitFinishedAsync(string id, TimeSpan timeout)
    {
        var waiter = _waiting.GetOrAdd(id, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_finished.TryRemove(id, out var state))
        {
            waiter.TrySetResult(state);
        }
        try
        {
            return await waiter.Task.WaitAsync(timeout);
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }
    }

    private void OnUserEvent(JsonElement e)
    {
        if (e.GetProperty("type").GetString() != "job.changed")
        {
            return;
        }
        var data = e.GetProperty("data");
        var state = data.GetProperty("state").GetString()!;
        if (state is not ("completed" or "failed" or "cancelled"))
        {
            return;
        }
        var id = data.GetProperty("id").GetString()!;
        if (_waiting.TryGetValue(id, out var waiter))
        {
            waiter.TrySetResult(state);
        }
        else
        {
            _finished[id] = state; // finished before its submitter started waiting
        }
    }

    public async ValueTask DisposeAsync() => await hub.DisposeAsync();
}
