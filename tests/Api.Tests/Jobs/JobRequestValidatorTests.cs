using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.Api.Formats;
using Platform.Api.Formats.Text;
using Platform.Api.Jobs;
using Platform.Api.Jobs.Submission;

namespace Platform.Api.Tests.Jobs;

public sealed class JobRequestValidatorTests
{
    private static JobRequestValidator Validator(bool allowPrivate = false, int maxText = 1000) => new(
        new FormatRegistry([new TextStatsFormat()]),
        new StaticOptions<SubmissionLimits>(new SubmissionLimits { MaxTextChars = maxText, MaxOptionsBytes = 64 }),
        new StaticOptions<CaptureTargetOptions>(new CaptureTargetOptions { AllowPrivateNetworks = allowPrivate }));

    private static async Task<Dictionary<string, string[]>> ErrorsAsync(SubmitJobRequest request, bool allowPrivate = false)
    {
        var (job, errors) = await Validator(allowPrivate).ValidateAsync(request, TestContext.Current.CancellationToken);
        Assert.Null(job);
        return errors;
    }

    [Fact]
    public async Task A_text_job_with_a_text_format_is_valid()
    {
        var (job, errors) = await Validator().ValidateAsync(new SubmitJobRequest(new JobSourceRequest(null, "hello"), ["text-stats", "text-stats"], null), TestContext.Current.CancellationToken);
        Assert.Empty(errors);
        Assert.Equal(["text-stats"], job!.Formats);
        Assert.Equal("{}", job.OptionsJson);
    }

    [Fact]
    public async Task Neither_or_both_sources_are_refused()
    {
        Assert.Contains("source", (await ErrorsAsync(new SubmitJobRequest(null, ["text-stats"], null))).Keys);
        Assert.Contains("source", (await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(null, null), ["text-stats"], null))).Keys);
        Assert.Contains("source", (await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest("https://example.com", "x"), ["text-stats"], null))).Keys);
    }

    [Fact]
    public async Task An_empty_format_list_is_refused()
    {
        Assert.Contains("formats", (await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(null, "x"), null, null))).Keys);
        Assert.Contains("formats", (await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(null, "x"), [], null))).Keys);
    }

    [Fact]
    public async Task Unknown_formats_are_named()
    {
        var errors = await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(null, "x"), ["text-stats", "mp3"], null));
        Assert.Contains("'mp3'", errors["formats[1]"][0]);
    }

    [Fact]
    public async Task Capture_formats_need_a_url() =>
        Assert.Contains("formats[0]", (await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(null, "x"), ["screenshot"], null))).Keys);

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:text/html,hi")]
    [InlineData("ftp://example.com/x")]
    [InlineData("not a url")]
    [InlineData("http://user:pw@example.com/")]
    public async Task Only_plain_http_and_https_urls_are_accepted(string url) =>
        Assert.Contains("source.url", (await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(url, null), ["markdown"], null))).Keys);

    [Theory]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://localhost:8080/")]
    [InlineData("http://10.1.2.3/")]
    [InlineData("http://172.20.0.1/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[fd00:ec2::254]/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/")]         // NAT64 of 169.254.169.254
    [InlineData("http://[64:ff9b:1::a00:1]/")]           // local-use NAT64
    [InlineData("http://[::7f00:1]/")]                   // IPv4-compatible 127.0.0.1
    [InlineData("http://[::a9fe:a9fe]/")]                // IPv4-compatible 169.254.169.254
    [InlineData("http://[2002:7f00:1::]/")]              // 6to4 of 127.0.0.1
    [InlineData("http://[2002:a9fe:a9fe::1]/")]          // 6to4 of 169.254.169.254
    [InlineData("http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/")] // Teredo, client 10.0.0.1
    [InlineData("http://[2001:0:a00:1::1]/")]            // Teredo, server 10.0.0.1
    [InlineData("http://168.63.129.16/")]                // Azure WireServer
    [InlineData("http://[::ffff:168.63.129.16]/")]
    public async Task Private_and_metadata_addresses_are_refused(string url)
    {
        var errors = await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(url, null), ["markdown"], null));
        Assert.Contains("private", errors["source.url"][0]);
    }

    [Fact]
    public async Task Operators_can_allow_private_addresses()
    {
        var (job, _) = await Validator(allowPrivate: true).ValidateAsync(
            new SubmitJobRequest(new JobSourceRequest("http://127.0.0.1:5000/page", null), ["markdown"], null), TestContext.Current.CancellationToken);
        Assert.Equal("http://127.0.0.1:5000/page", job!.Url!.AbsoluteUri);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://168.63.129.16/machine")]
    [InlineData("http://[2002:a9fe:a9fe::]/")]
    public async Task Metadata_addresses_stay_refused_when_private_networks_are_allowed(string url)
    {
        var errors = await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(url, null), ["markdown"], null), allowPrivate: true);
        Assert.Contains("metadata", errors["source.url"][0]);
    }

    [Theory]
    [InlineData("http://93.184.215.14:6379/")]
    [InlineData("https://93.184.215.14:22/")]
    [InlineData("http://93.184.215.14:8080/")]
    public async Task Public_hosts_are_refused_on_ports_other_than_80_and_443(string url)
    {
        var errors = await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(url, null), ["markdown"], null));
        Assert.Contains("port", errors["source.url"][0]);
    }

    [Fact]
    public async Task Operators_can_allow_more_ports()
    {
        var validator = new JobRequestValidator(new FormatRegistry([new TextStatsFormat()]), new StaticOptions<SubmissionLimits>(new SubmissionLimits()),
            new StaticOptions<CaptureTargetOptions>(new CaptureTargetOptions { AdditionalPorts = [8080] }));
        var (job, errors) = await validator.ValidateAsync(
            new SubmitJobRequest(new JobSourceRequest("http://93.184.215.14:8080/", null), ["markdown"], null), TestContext.Current.CancellationToken);
        Assert.Empty(errors);
        Assert.NotNull(job);
    }

    [Fact]
    public async Task Public_address_literals_are_accepted()
    {
        var (job, errors) = await Validator().ValidateAsync(
            new SubmitJobRequest(new JobSourceRequest("https://93.184.215.14/", null), ["markdown", "text-stats"], null), TestContext.Current.CancellationToken);
        Assert.Empty(errors);
        Assert.NotNull(job);
    }

    [Fact]
    public async Task Oversized_text_and_options_are_refused()
    {
        var big = JsonDocument.Parse($$"""{"note": "{{new string('x', 100)}}"}""").RootElement;
        var errors = await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(null, new string('a', 1001)), ["text-stats"], big));
        Assert.Contains("source.text", errors.Keys);
        Assert.Contains("options", errors.Keys);
    }

    [Fact]
    public async Task Options_must_be_an_object() =>
        Assert.Contains("options", (await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(null, "x"), ["text-stats"], JsonDocument.Parse("[1]").RootElement))).Keys);

    [Fact]
    public void Same_request_same_hash_different_request_different_hash()
    {
        var a = new ValidatedJob(null, "x", ["text-stats"], "{}");
        Assert.Equal(a.RequestHash(), (a with { }).RequestHash());
        Assert.NotEqual(a.RequestHash(), (a with { Text = "y" }).RequestHash());
    }

    [Fact]
    public void Batches_over_the_limit_are_refused()
    {
        var validator = new JobRequestValidator(new FormatRegistry([]),
            new StaticOptions<SubmissionLimits>(new SubmissionLimits { MaxBatchItems = 2 }), new StaticOptions<CaptureTargetOptions>(new()));
        var (_, _, errors) = validator.ValidateBatch(new BatchSubmitRequest(["https://a.example", "https://b.example", "https://c.example"], ["markdown"], null));
        Assert.Contains("urls", errors.Keys);
    }

    [Fact]
    public async Task A_formats_own_options_are_checked_at_submission()
    {
        var summary = new SummaryFormat(Formats.TextFormatTestKit.Settings, Formats.TextFormatTestKit.Metrics);
        var validator = new JobRequestValidator(
            new FormatRegistry([new TextStatsFormat(), summary]),
            new StaticOptions<SubmissionLimits>(new SubmissionLimits()),
            new StaticOptions<CaptureTargetOptions>(new CaptureTargetOptions()));
        var bad = JsonDocument.Parse("""{"summary": {"sentences": 0}}""").RootElement;
        var good = JsonDocument.Parse("""{"summary": {"sentences": 2}}""").RootElement;

        var (refused, errors) = await validator.ValidateAsync(new SubmitJobRequest(new JobSourceRequest(null, "Some text."), ["summary"], bad), TestContext.Current.CancellationToken);
        var (accepted, none) = await validator.ValidateAsync(new SubmitJobRequest(new JobSourceRequest(null, "Some text."), ["summary"], good), TestContext.Current.CancellationToken);

        Assert.Null(refused);
        Assert.Contains("options.summary", errors.Keys);
        Assert.NotNull(accepted);
        Assert.Empty(none);
    }

    [Fact]
    public async Task A_url_is_measured_as_it_is_stored_percent_encoded()
    {
        // 2,000 "é" are 2,019 characters as typed but 12,019 once percent-encoded, which is what the jobs table keeps.
        var url = "https://example.com/" + new string('é', 2_000);
        var errors = await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest(url, null), ["markdown"], null), allowPrivate: true);
        Assert.Contains("encoded", errors["source.url"][0]);
    }

    [Theory]
    [InlineData("""{"capture": {"timeoutMs": "soon"}}""", "options.capture.timeoutMs")]
    [InlineData("""{"capture": {"timeoutMs": 10}}""", "options.capture.timeoutMs")]
    [InlineData("""{"capture": {"wait": "forever"}}""", "options.capture.wait")]
    [InlineData("""{"capture": {"wait": "selector"}}""", "options.capture.selector")]
    [InlineData("""{"capture": {"viewport": {"width": 100000, "height": 800}}}""", "options.capture.viewport.width")]
    [InlineData("""{"capture": {"viewport": "big"}}""", "options.capture.viewport")]
    [InlineData("""{"capture": {"fullPage": "yes"}}""", "options.capture.fullPage")]
    [InlineData("""{"capture": {"timeout": 5000}}""", "options.capture.timeout")]
    [InlineData("""{"capture": [1]}""", "options.capture")]
    public async Task Capture_options_are_checked_at_submission_field_by_field(string options, string field)
    {
        var errors = await ErrorsAsync(new SubmitJobRequest(new JobSourceRequest("https://93.184.215.14/", null), ["markdown"],
            JsonDocument.Parse(options).RootElement));
        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public async Task Valid_capture_options_are_accepted()
    {
        var options = JsonDocument.Parse("""{"capture": {"wait": "selector", "selector": "main", "timeoutMs": 5000, "fullPage": false, "viewport": {"width": 800, "height": 600}}}""").RootElement;
        var validator = new JobRequestValidator(new FormatRegistry([]),
            new StaticOptions<SubmissionLimits>(new SubmissionLimits()), new StaticOptions<CaptureTargetOptions>(new CaptureTargetOptions()));
        var (job, errors) = await validator.ValidateAsync(new SubmitJobRequest(new JobSourceRequest("https://93.184.215.14/", null), ["markdown"], options),
            TestContext.Current.CancellationToken);
        Assert.Empty(errors);
        Assert.NotNull(job);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(2_000)]
    public async Task The_answer_to_a_list_of_unknown_formats_is_not_larger_than_the_request(int count)
    {
        var formats = Enumerable.Range(0, count).Select(i => $"f{i}").ToArray();
        var request = new SubmitJobRequest(new JobSourceRequest(null, "x"), formats, null);
        var errors = await ErrorsAsync(request);

        var requestBytes = JsonSerializer.SerializeToUtf8Bytes(request).Length;
        var answerBytes = JsonSerializer.SerializeToUtf8Bytes(errors).Length;
        Assert.True(answerBytes <= Math.Max(2_048, 2 * requestBytes), $"{answerBytes} bytes of errors for a {requestBytes}-byte request.");
    }

    [Fact]
    public void A_batch_idempotency_key_leaves_room_for_the_item_index()
    {
        var validator = Validator();
        var longest = new string('k', 200);

        Assert.Null(validator.ValidateIdempotencyKey(longest, batch: false));
        // Each batch item is stored as "key#index", in the same 200-character column.
        Assert.NotNull(validator.ValidateIdempotencyKey(longest, batch: true));
        Assert.NotNull(validator.ValidateIdempotencyKey(new string('k', 198), batch: true));
        Assert.Null(validator.ValidateIdempotencyKey(new string('k', 196), batch: true));
        Assert.NotNull(validator.ValidateIdempotencyKey("with space", batch: false));
        Assert.NotNull(validator.ValidateIdempotencyKey("", batch: false));
    }
}

internal sealed class StaticOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;
    public T Get(string? name) => value;
    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
