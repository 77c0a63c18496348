using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Fixtures;

/// <summary>
/// A local OpenAI-compatible chat endpoint (POST /v1/chat/completions, streaming SSE or not) for the model formats' tests
/// and benchmark. Answers are deterministic for a given request (so a test can compare an artifact with what was sent),
/// streamed slowly token by token. It can be told to answer the next calls with 429 + Retry-After, or to cut the next
/// streams halfway, and it records the most calls it ever had in flight at once.
/// </summary>
public sealed class TestModelServer : IAsyncDisposable
{
    public const string ApiKey = "test-key";
    public const string ModelName = "test-model";

    private static readonly string[] Vocabulary =
    [
        "the", "reef", "coral", "action", "item", "review", "plan", "budget", "risk", "owner", "déjà", "vu", "naïve", "über",
        "queue", "billing", "launch", "— note", "**bold**", "`code`", "emoji 🚀", "数据", "and", "then", "before", "Friday",
    ];

    private readonly WebApplication app;
    private readonly ConcurrentQueue<ModelCall> calls = new();
    private int inFlight;
    private int maxInFlight;
    private int throttleNext;
    private int cutNext;

    private TestModelServer(WebApplication app) => this.app = app;

    /// <summary>Base URL including /v1/, as the Model:Endpoint setting expects.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The value for ConnectionStrings__model.</summary>
    public string ConnectionString => $"Endpoint={Endpoint};Key={ApiKey};Model={ModelName}";

    /// <summary>Tokens per answer (each a word with its leading space).</summary>
    public int TokensPerAnswer { get; set; } = 40;

    /// <summary>Pause before each token.</summary>
    public TimeSpan TokenDelay { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Fixed pause before the response starts (a model's prompt processing).</summary>
    public TimeSpan FirstTokenDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Seconds sent in Retry-After with a 429.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>A cut stream sends this many tokens, then drops the connection.</summary>
    public int CutAfterTokens { get; set; } = 10;

    public int InFlight => Volatile.Read(ref inFlight);

    /// <summary>The most calls (of any outcome) this server had open and not yet answered at the same moment.</summary>
    public int MaxInFlight => Volatile.Read(ref maxInFlight);

    public IReadOnlyList<ModelCall> Calls => [.. calls];

    /// <summary>The next <paramref name="count"/> calls get 429 with Retry-After.</summary>
    public void ThrottleNextCalls(int count = 1) => Interlocked.Exchange(ref throttleNext, count);

    /// <summary>The next <paramref name="count"/> streams are cut after <see cref="CutAfterTokens"/> tokens.</summary>
    public void CutNextStreams(int count = 1) => Interlocked.Exchange(ref cutNext, count);

    public void ResetCounters()
    {
        calls.Clear();
        Interlocked.Exchange(ref maxInFlight, Volatile.Read(ref inFlight));
    }

    /// <summary>The answer this server gives to a conversation: a pure function of the messages' text.</summary>
    public string AnswerFor(string conversation) => string.Concat(Tokens(conversation, TokensPerAnswer));

    public static async Task<TestModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new TestModelServer(app);
        app.MapPost("/v1/chat/completions", server.CompleteAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address.TrimEnd('/') + "/v1/");
        return server;
    }

    private async Task CompleteAsync(HttpContext http)
    {
        var now = Interlocked.Increment(ref inFlight);
        for (var peak = Volatile.Read(ref maxInFlight); now > peak; peak = Volatile.Read(ref maxInFlight))
        {
            if (Interlocked.CompareExchange(ref maxInFlight, now, peak) == peak)
            {
                break;
            }
        }
        var call = new ModelCall { StartedAt = DateTimeOffset.UtcNow };
        // A call leaves the count as its final answer goes out: from then on its client may end it and start the next
        // (the Api frees its model slot on the finish reason), while this handler still writes the stream's end. Counting
        // it until the handler returned saw 4 "in flight" when only 3 calls were ever unanswered.
        var counted = 1;
        void Answered()
        {
            if (Interlocked.Exchange(ref counted, 0) == 1)
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
        try
        {
            if (http.Request.Headers.Authorization.ToString() != $"Bearer {ApiKey}")
            {
                call.Outcome = "unauthorized";
                await Error(http, 401, "invalid_api_key", "Incorrect API key provided.");
                return;
            }
            var body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted) as JsonObject;
            var messages = body?["messages"] as JsonArray;
            if (messages is null || messages.Count == 0)
            {
                call.Outcome = "bad-request";
                await Error(http, 400, "invalid_request_error", "'messages' is required.");
                return;
            }
            call.Conversation = Conversation(messages);
            call.Model = body!["model"]?.GetValue<string>();
            if (TryTake(ref throttleNext))
            {
                call.Outcome = "throttled";
                http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Error(http, 429, "rate_limit_exceeded", "Rate limit reached, retry later.");
                return;
            }
            var tokens = Tokens(call.Conversation, TokensPerAnswer);
            call.Answer = string.Concat(tokens);
            await Task.Delay(FirstTokenDelay, http.RequestAborted);
            if (body["stream"]?.GetValue<bool>() == true)
            {
                await StreamAsync(http, call, tokens, Answered);
            }
            else
            {
                await Task.Delay(TokenDelay * tokens.Count, http.RequestAborted);
                call.Outcome = "completed";
                Answered();
                await http.Response.WriteAsJsonAsync(new
                {
                    id = "chatcmpl-test", @object = "chat.completion", created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model = ModelName,
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = call.Answer }, finish_reason = "stop" } },
                });
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            call.Outcome = "client-gone";
        }
        finally
        {
            call.EndedAt = DateTimeOffset.UtcNow;
            calls.Enqueue(call);
            Answered();
        }
    }

    private async Task StreamAsync(HttpContext http, ModelCall call, IReadOnlyList<string> tokens, Action answered)
    {
        var cutAfter = TryTake(ref cutNext) ? Math.Min(CutAfterTokens, tokens.Count - 1) : -1;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await Chunk(http, new { role = "assistant", content = "" }, null);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (i == cutAfter)
            {
                call.Outcome = "cut";
                call.SentTokens = i;
                // Drop the TCP connection mid-answer, as a crashed model server or a proxy timeout would.
                http.Abort();
                return;
            }
            await Task.Delay(TokenDelay, http.RequestAborted);
            await Chunk(http, new { content = tokens[i] }, null);
        }
        answered();
        await Chunk(http, new { }, "stop");
        await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
        call.Outcome = "completed";
        call.SentTokens = tokens.Count;
    }

    private static async Task Chunk(HttpContext http, object delta, string? finishReason)
    {
        var chunk = new
        {
            id = "chatcmpl-test", @object = "chat.completion.chunk", created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model = ModelName,
            choices = new[] { new { index = 0, delta, finish_reason = finishReason } },
        };
        await http.Response.WriteAsync($"data: {JsonSerializer.Serialize(chunk)}\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private static Task Error(HttpContext http, int status, string code, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new { error = new { message, type = code, code } });
    }

    private static bool TryTake(ref int counter)
    {
        for (var left = Volatile.Read(ref counter); left > 0; left = Volatile.Read(ref counter))
        {
            if (Interlocked.CompareExchange(ref counter, left - 1, left) == left)
            {
                return true;
            }
        }
        return false;
    }

    private static string Conversation(JsonArray messages)
    {
        var text = new StringBuilder();
        foreach (var message in messages.OfType<JsonObject>())
        {
            text.Append(message["role"]?.GetValue<string>()).Append(": ");
            // Content is a string, or an array of parts ({"type":"text","text":…}) in newer clients.
            switch (message["content"])
            {
                case JsonValue value:
                    text.Append(value.GetValue<string>());
                    break;
                case JsonArray parts:
                    foreach (var part in parts.OfType<JsonObject>())
                    {
                        text.Append(part["text"]?.GetValue<string>());
                    }
                    break;
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static List<string> Tokens(string conversation, int count)
    {
        // A stable seed (string.GetHashCode is randomised per process): FNV-1a over the UTF-8 bytes.
        var seed = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(conversation))
        {
            seed = (seed ^ b) * 16777619u;
        }
        var random = new Random((int)seed);
        var tokens = new List<string>(count) { "Answer:" };
        for (var i = 1; i < count; i++)
        {
            tokens.Add((i % 12 == 0 ? "\n" : " ") + Vocabulary[random.Next(Vocabulary.Length)]);
        }
        return tokens;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>One call the server answered: what was asked, what it answered and how it ended.</summary>
public sealed class ModelCall
{
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset EndedAt { get; set; }
    public string? Model { get; set; }
    public string Conversation { get; set; } = "";
    public string? Answer { get; set; }

    /// <summary>completed, throttled, cut, client-gone, unauthorized, bad-request.</summary>
    public string Outcome { get; set; } = "unknown";

    public int SentTokens { get; set; }
}
