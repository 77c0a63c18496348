using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Api.Formats;
using Platform.Api.Formats.Model;
using Platform.Coordination;
using Platform.Fixtures;

namespace Platform.Integration.Tests.Model;

/// <summary>The model formats against the local OpenAI-compatible server, with the real Redis semaphore.</summary>
[Collection(ModelEndpointCollection.Name)]
public sealed class ModelEndpointTests(ModelEndpointFixture fixture) : IDisposable
{
    private const string Notes = "Anna sends the migration plan by Friday. Tom drafts the customer emails.";
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    public void Dispose()
    {
        // Each test leaves the shared server as it found it.
        fixture.Server.ThrottleNextCalls(0);
        fixture.Server.CutNextStreams(0);
        fixture.Server.TokenDelay = TimeSpan.FromMilliseconds(25);
        fixture.Server.TokensPerAnswer = 40;
    }

    [Fact]
    public async Task A_model_format_streams_its_answer_and_returns_exactly_the_streamed_text()
    {
        using var replica = fixture.Replica();
        var format = Format<LlmTasksFormat>(replica);
        var reporter = new RecordingTaskReporter();

        var output = await format.ProcessAsync(reporter.Context("llm-tasks", Notes), ct);

        var result = Encoding.UTF8.GetString(output.Bytes);
        Assert.Equal(ModelFormat.ContentType, output.ContentType);
        Assert.True(reporter.Chunks.Count > 10, $"expected a stream of chunks, got {reporter.Chunks.Count}");
        Assert.Equal(reporter.Text, result);
        var call = fixture.Server.Calls.Last(c => c.Conversation.Contains("Anna sends", StringComparison.Ordinal));
        Assert.Equal(call.Answer, result);
        Assert.Contains("action item", call.Conversation);
        Assert.Equal(TestModelServer.ModelName, call.Model);
    }

    [Fact]
    public async Task A_429_is_transient_and_carries_the_servers_Retry_After()
    {
        using var replica = fixture.Replica();
        var reporter = new RecordingTaskReporter();
        fixture.Server.ThrottleNextCalls(1);

        var error = await Assert.ThrowsAsync<TransientFormatException>(
            () => Format<LlmSummaryFormat>(replica).ProcessAsync(reporter.Context("llm-summary", Notes), ct));

        Assert.Equal(TimeSpan.FromSeconds(fixture.Server.RetryAfterSeconds), error.RetryAfter);
        Assert.Empty(reporter.Chunks);
        await AssertAllSlotsFreeAsync(replica);
    }

    [Fact]
    public async Task A_cut_stream_is_transient_and_the_next_try_returns_the_whole_answer_once()
    {
        using var replica = fixture.Replica();
        var format = Format<LlmSummaryFormat>(replica);
        fixture.Server.CutNextStreams(1);
        var firstTry = new RecordingTaskReporter();

        await Assert.ThrowsAsync<TransientFormatException>(() => format.ProcessAsync(firstTry.Context("llm-summary", Notes), ct));

        var secondTry = new RecordingTaskReporter();
        var output = await format.ProcessAsync(secondTry.Context("llm-summary", Notes, attempt: 2), ct);
        var answer = Encoding.UTF8.GetString(output.Bytes);
        Assert.NotEmpty(firstTry.Text);
        Assert.StartsWith(firstTry.Text, answer); // the cut try streamed a prefix…
        Assert.Equal(secondTry.Text, answer);     // …and the result is only the successful try's text
        await AssertAllSlotsFreeAsync(replica);
    }

    [Fact]
    public async Task A_stalled_stream_times_out_as_transient()
    {
        using var replica = fixture.Replica(new Dictionary<string, string?> { ["Model:IdleTimeout"] = "00:00:00.300" });
        fixture.Server.TokenDelay = TimeSpan.FromSeconds(2);

        var error = await Assert.ThrowsAsync<TransientFormatException>(
            () => Format<LlmSummaryFormat>(replica).ProcessAsync(new RecordingTaskReporter().Context("llm-summary", Notes), ct));

        Assert.Contains("silent", error.Message);
    }

    [Fact]
    public async Task A_refused_key_fails_permanently()
    {
        using var replica = fixture.Replica(new Dictionary<string, string?>
        {
            ["ConnectionStrings:model"] = $"Endpoint={fixture.Server.Endpoint};Key=wrong;Model=test-model",
        });

        await Assert.ThrowsAsync<PermanentFormatException>(
            () => Format<LlmSummaryFormat>(replica).ProcessAsync(new RecordingTaskReporter().Context("llm-summary", Notes), ct));
    }

    [Fact]
    public async Task Model_calls_from_two_replicas_never_exceed_the_shared_limit_of_three()
    {
        using var replicaA = fixture.Replica();
        using var replicaB = fixture.Replica();
        fixture.Server.TokenDelay = TimeSpan.FromMilliseconds(15);
        fixture.Server.ResetCounters();

        var calls = Enumerable.Range(0, 10).Select(i =>
        {
            var format = Format<LlmKeyPointsFormat>(i % 2 == 0 ? replicaA : replicaB);
            return format.ProcessAsync(new RecordingTaskReporter().Context("llm-key-points", $"{Notes} Variant {i}."), ct);
        });
        var outputs = await Task.WhenAll(calls);

        Assert.Equal(10, outputs.Length);
        Assert.Equal(3, fixture.Server.MaxInFlight);
    }

    [Fact]
    public async Task Custom_instruction_is_required_and_bounded()
    {
        using var replica = fixture.Replica(new Dictionary<string, string?> { ["Model:MaxInstructionChars"] = "50" });
        var format = Format<LlmCustomFormat>(replica);

        Assert.NotEmpty(format.ValidateOptions(null));
        Assert.NotEmpty(format.ValidateOptions(Json("""{"instruction": "   "}""")));
        Assert.NotEmpty(format.ValidateOptions(Json($$"""{"instruction": "{{new string('x', 51)}}"}""")));
        Assert.Empty(format.ValidateOptions(Json("""{"instruction": "Write it as a haiku"}""")));
        await Assert.ThrowsAsync<PermanentFormatException>(
            () => format.ProcessAsync(new RecordingTaskReporter().Context("llm-custom", Notes), ct));

        var output = await format.ProcessAsync(
            new RecordingTaskReporter().Context("llm-custom", Notes, """{"llm-custom": {"instruction": "Write it as a haiku"}}"""), ct);
        Assert.NotEmpty(output.Bytes);
        Assert.Contains(fixture.Server.Calls, c => c.Conversation.Contains("Write it as a haiku", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_an_endpoint_the_model_formats_are_not_offered()
    {
        using var without = fixture.Replica(withModel: false);
        using var with = fixture.Replica();

        Assert.False(Format<LlmSummaryFormat>(without).IsEnabled);
        Assert.True(Format<LlmSummaryFormat>(with).IsEnabled);
    }

    private static T Format<T>(IHost replica) where T : IFormatProcessor => ActivatorUtilities.CreateInstance<T>(replica.Services);

    private static System.Text.Json.JsonElement Json(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement;

    /// <summary>Every slot is back: three acquisitions succeed at once.</summary>
    private async Task AssertAllSlotsFreeAsync(IHost replica)
    {
        var semaphore = replica.Services.GetRequiredService<IDistributedSemaphore>();
        var leases = new List<SemaphoreLease>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                leases.Add(await semaphore.TryAcquireAsync(ModelEndpoint.SemaphoreResource, 3, ct)
                           ?? throw new Xunit.Sdk.XunitException($"slot {i + 1} of 3 is still held"));
            }
        }
        finally
        {
            foreach (var lease in leases)
            {
                await lease.DisposeAsync();
            }
        }
    }
}
