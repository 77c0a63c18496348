using Platform.Api.Formats.Text;

namespace Platform.Api.Tests.Formats;

public sealed class LanguageDetectorTests
{
    private const string German = "Der Hund und die Katze sind nicht im Haus, das ist auch gut so.";
    private const string Italian = "Il gatto non è sul tavolo e la casa della nonna è piena di libri che sono belli.";
    private const string French = "Le chat est sur la table et les enfants ne sont pas dans la maison avec le chien.";

    [Theory]
    [InlineData(German, "de")]
    [InlineData(Italian, "it")]
    [InlineData(French, "fr")]
    [InlineData("The cat is on the table and it is not in the house.", "en")]
    public void Text_stats_and_the_stop_word_lists_read_the_same_language(string text, string language)
    {
        Assert.Equal(language, TextStatsFormat.Analyze(text, TestContext.Current.CancellationToken).Language);
        // The stop-word lists cover en, de, fr, es; a language without a list reads as English.
        var expectedList = language is "en" or "de" or "fr" or "es" ? language : "en";
        Assert.Equal(expectedList, StopWords.Detect(text).Language);
    }

    [Fact]
    public void Too_few_words_or_no_function_word_has_no_language()
    {
        Assert.Null(LanguageDetector.Guess(["hello", "world"]).Language);
        Assert.Null(LanguageDetector.Guess(["zq", "zq", "zq", "zq"]).Language);
    }

    [Fact]
    public void Only_the_first_words_are_read()
    {
        var words = Enumerable.Repeat("zq", LanguageDetector.MaxWords).Concat(Enumerable.Repeat("der", 100));
        Assert.Null(LanguageDetector.Guess(words).Language);
    }
}
