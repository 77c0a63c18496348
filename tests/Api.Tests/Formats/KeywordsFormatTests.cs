using System.Text.Json;
using Platform.Api.Formats.Text;
using static Platform.Api.Tests.Formats.TextFormatTestKit;

namespace Platform.Api.Tests.Formats;

public sealed class KeywordsFormatTests
{
    private readonly KeywordsFormat format = new(Settings, Metrics);

    [Fact]
    public async Task Keywords_of_the_coral_reef_article_include_its_main_terms()
    {
        var json = await RunAsync(format, Fixture("coral-reefs.md"), """{"keywords": {"count": 10}}""");

        using var result = JsonDocument.Parse(json);
        Assert.Equal("en", result.RootElement.GetProperty("language").GetString());
        var keywords = result.RootElement.GetProperty("keywords").EnumerateArray().Select(k => k.GetProperty("text").GetString()!).ToList();
        Assert.Equal(10, keywords.Count);
        Assert.Equal("coral reefs", keywords[0]);
        foreach (var term in new[] { "algae", "bleaching", "polyps", "ocean" })
        {
            Assert.Contains(term, keywords);
        }
        Assert.DoesNotContain(keywords, k => StopWords.English.Contains(k));
    }

    [Fact]
    public void Keywords_of_meeting_notes_name_the_project_and_its_people()
    {
        var keywords = KeywordExtractor.Extract(TextDocument.Parse(Fixture("kickoff-notes.txt")), 10, TestContext.Current.CancellationToken).Select(k => k.Text).ToList();

        Assert.Equal("billing service", keywords[0]);
        Assert.Contains("migration", keywords);
        Assert.Contains("Tom", keywords); // a name keeps its capital
    }

    [Fact]
    public void Keywords_of_a_german_text_skip_german_function_words()
    {
        var text = "Der Klimawandel bedroht die Korallenriffe. Die Korallenriffe bleichen, wenn das Wasser zu warm ist. " +
                   "Der Schutz der Korallenriffe braucht weniger Emissionen.";

        var keywords = KeywordExtractor.Extract(TextDocument.Parse(text), 5, TestContext.Current.CancellationToken).Select(k => k.Text).ToList();

        Assert.Equal("Korallenriffe", keywords[0]);
        Assert.DoesNotContain(keywords, k => k is "der" or "die" or "das" or "wenn");
    }
}
