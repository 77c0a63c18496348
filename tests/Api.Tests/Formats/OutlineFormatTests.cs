using Platform.Api.Formats.Text;
using static Platform.Api.Tests.Formats.TextFormatTestKit;

namespace Platform.Api.Tests.Formats;

public sealed class OutlineFormatTests
{
    private readonly OutlineFormat format = new(Settings, Metrics);

    [Fact]
    public async Task Outline_of_the_coral_reef_article_mirrors_its_headings()
    {
        var outline = await RunAsync(format, Fixture("coral-reefs.md"));

        Assert.Equal(
            """
            - Coral Reefs Under Pressure
              - How Reefs Are Built
              - Warming Water and Bleaching
                - Acidification
              - Local Threats
              - Protecting Reefs

            """.ReplaceLineEndings("\n"), outline);
    }

    [Fact]
    public async Task Outline_depth_option_drops_deeper_headings()
    {
        var outline = await RunAsync(format, Fixture("coral-reefs.md"), """{"outline": {"depth": 2}}""");

        Assert.DoesNotContain("Acidification", outline);
        Assert.Contains("  - Local Threats", outline);
    }

    [Fact]
    public void Outline_of_plain_notes_infers_their_headings()
    {
        var outline = OutlineBuilder.Build(TextDocument.Parse(Fixture("kickoff-notes.txt")), 6, TestContext.Current.CancellationToken);

        Assert.Equal(OutlineBuilder.OutlineSource.InferredHeadings, outline.Source);
        Assert.Equal(["Project Kickoff Notes", "Risks", "Next Steps"], outline.Items.Select(i => i.Title));
    }

    [Fact]
    public void Outline_of_numbered_plain_text_nests_by_its_numbers()
    {
        var text = "1 Background\n\nWhy we started.\n\n1.1 History\n\nHow it began.\n\n2 Plan\n\nWhat comes next.";

        var outline = OutlineBuilder.Build(TextDocument.Parse(text), 6, TestContext.Current.CancellationToken);

        Assert.Equal("- 1 Background\n  - 1.1 History\n- 2 Plan\n", OutlineBuilder.ToMarkdown(outline));
    }

    [Fact]
    public void Outline_of_unstructured_text_lists_its_paragraph_leads()
    {
        var outline = OutlineBuilder.Build(TextDocument.Parse("first thought, still vague. more on it.\n\nsecond thought here."), 6, TestContext.Current.CancellationToken);

        Assert.Equal(OutlineBuilder.OutlineSource.Paragraphs, outline.Source);
        Assert.Equal(["first thought, still vague.", "second thought here."], outline.Items.Select(i => i.Title));
    }

    [Fact]
    public void Outline_starting_below_level_one_still_starts_at_the_root()
    {
        var outline = OutlineBuilder.Build(TextDocument.Parse("### A\ntext\n#### B\ntext\n### C\n"), 6, TestContext.Current.CancellationToken);

        Assert.Equal("- A\n  - B\n- C\n", OutlineBuilder.ToMarkdown(outline));
    }
}
