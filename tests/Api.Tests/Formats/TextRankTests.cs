using Platform.Api.Formats.Text;

namespace Platform.Api.Tests.Formats;

public sealed class TextRankTests
{
    [Fact]
    public void The_centre_of_a_star_ranks_highest_and_scores_form_a_distribution()
    {
        var edges = new Dictionary<(int A, int B), double> { [(0, 1)] = 1, [(0, 2)] = 1, [(0, 3)] = 1, [(0, 4)] = 1 };

        var scores = TextRank.Rank(6, edges, TestContext.Current.CancellationToken); // node 5 has no edges

        Assert.Equal(0, Array.IndexOf(scores, scores.Max()));
        Assert.Equal(1.0, scores.Sum(), 6);
        Assert.True(scores[5] < scores[1]);
    }

    [Fact]
    public void Heavier_edges_carry_more_rank()
    {
        var edges = new Dictionary<(int A, int B), double> { [(0, 1)] = 5, [(0, 2)] = 1 };

        var scores = TextRank.Rank(3, edges, TestContext.Current.CancellationToken);

        Assert.True(scores[1] > scores[2]);
    }
}

public sealed class SentenceSplitterTests
{
    [Theory]
    [InlineData("Dr. Smith arrived at 3.30 p.m. on Friday. He left early.", new[] { "Dr. Smith arrived at 3.30 p.m. on Friday.", "He left early." })]
    [InlineData("Use e.g. a queue. Or not!", new[] { "Use e.g. a queue.", "Or not!" })]
    [InlineData("J. R. R. Tolkien wrote it. It sold well?! Yes.", new[] { "J. R. R. Tolkien wrote it.", "It sold well?!", "Yes." })]
    [InlineData("see example.com for more. then decide", new[] { "see example.com for more.", "then decide" })]
    [InlineData("He said \"stop.\" Then he left.", new[] { "He said \"stop.\"", "Then he left." })]
    [InlineData("会议结束了。我们明天再谈。", new[] { "会议结束了。", "我们明天再谈。" })]
    public void Splits_at_sentence_ends_but_not_at_abbreviations_initials_or_numbers(string paragraph, string[] expected)
    {
        Assert.Equal(expected, SentenceSplitter.Split(paragraph));
    }
}

public sealed class TextDocumentTests
{
    [Fact]
    public void Markdown_is_reduced_to_headings_and_prose_without_code_tables_or_link_targets()
    {
        var document = TextDocument.Parse("""
            # Title

            Read [the docs](https://example.com/docs) **now**.

            ```
            var code = 1;
            ```

            | a | b |
            |---|---|
            | 1 | 2 |

            - item one
            """);

        Assert.Equal([new TextBlock(1, "Title"), new TextBlock(0, "Read the docs now."), new TextBlock(0, "item one")], document.Blocks);
    }
}
