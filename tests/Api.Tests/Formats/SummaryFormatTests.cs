using Platform.Api.Formats;
using Platform.Api.Formats.Text;
using static Platform.Api.Tests.Formats.TextFormatTestKit;

namespace Platform.Api.Tests.Formats;

public sealed class SummaryFormatTests
{
    private readonly SummaryFormat format = new(Settings, Metrics);

    [Fact]
    public async Task Summary_of_the_coral_reef_article_keeps_its_key_sentences_in_reading_order()
    {
        var summary = await RunAsync(format, Fixture("coral-reefs.md"), """{"summary": {"sentences": 4}}""");

        string[] keySentences =
        [
            "Coral reefs cover less than one percent of the ocean floor.",
            "Rising ocean temperatures are the greatest threat to coral reefs today.",
            "In the end, the survival of coral reefs depends on cutting the carbon emissions that warm and acidify the ocean.",
        ];
        foreach (var sentence in keySentences)
        {
            Assert.Contains(sentence, summary);
        }
        var positions = keySentences.Select(s => summary.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.Equal(positions.Order(), positions);
        Assert.DoesNotContain("#", summary); // headings are not sentences
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    public void Summary_length_follows_the_sentences_option(int sentences)
    {
        var document = TextDocument.Parse(Fixture("coral-reefs.md"));
        var summary = ExtractiveSummarizer.Summarize(document, sentences, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(sentences, summary.Count);
        Assert.Equal(summary.Select(s => s.Index).Order(), summary.Select(s => s.Index));
    }

    [Fact]
    public async Task Summary_of_a_short_text_is_the_whole_text()
    {
        var summary = await RunAsync(format, "Only one sentence here.");

        Assert.Equal("Only one sentence here.\n", summary);
    }

    [Theory]
    [InlineData("""{"summary": {"sentences": 0}}""")]
    [InlineData("""{"summary": {"sentences": 500}}""")]
    [InlineData("""{"summary": {"sentences": "five"}}""")]
    public async Task Summary_refuses_out_of_range_options_without_retry(string options)
    {
        var error = await Assert.ThrowsAsync<PermanentFormatException>(() => RunAsync(format, Fixture("coral-reefs.md"), options));

        Assert.Contains("sentences", error.Message);
    }
}
