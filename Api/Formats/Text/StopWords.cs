namespace Platform.Api.Formats.Text;

/// <summary>
/// Function words that carry no topic, for English, German, French and Spanish, in the spirit of the Snowball
/// project's lists; kept here because no maintained .NET stop-word package is served by our registry (see
/// docs/dependencies.md). One list is chosen per document by its language (<see cref="Detect"/>) so that a word that is a
/// function word in one language ("war" in German) still counts as a topic in another.
/// </summary>
public sealed class StopWords
{
    public static readonly StopWords English = new("en", EnglishWords);
    public static readonly StopWords German = new("de", GermanWords);
    public static readonly StopWords French = new("fr", FrenchWords);
    public static readonly StopWords Spanish = new("es", SpanishWords);

    private static readonly StopWords[] All = [English, German, French, Spanish];

    private readonly HashSet<string> words;

    private StopWords(string language, string list)
    {
        Language = language;
        words = new HashSet<string>(list.Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
    }

    /// <summary>ISO 639-1 code of the language the list belongs to.</summary>
    public string Language { get; }

    public bool Contains(string lowerCaseWord) => words.Contains(lowerCaseWord);

    /// <summary>The list of the text's language (<see cref="LanguageDetector"/>); English when it has no list of its own.</summary>
    public static StopWords Detect(string text)
    {
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(token => token.Trim(Punctuation));
        var language = LanguageDetector.Guess(words).Language;
        return All.FirstOrDefault(list => list.Language == language) ?? English;
    }

    private static readonly char[] Punctuation = ".,;:!?\"'()[]{}«»“”‘’…-–—*_".ToCharArray();

    private const string EnglishWords =
        "a about above after again against all almost also although always am among an and another any anyone anything are aren't around as at " +
        "be became because become been before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing " +
        "don't down during each either else enough even ever every few for from further get gets getting got had hadn't has hasn't have haven't " +
        "having he he'd he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in into is isn't it it's " +
        "its itself just least less let's like likely made make makes many may me might more most much must mustn't my myself need needs neither " +
        "never no nor not now of off often on once one only onto or other others otherwise ought our ours ourselves out over own per perhaps " +
        "quite rather really same say says said see seem seems several shall shan't she she'd she'll she's should shouldn't since so some " +
        "something sometimes still such than that that's the their theirs them themselves then there there's therefore these they they'd " +
        "they'll they're they've this those though through thus to too toward towards under until up upon us use used uses using very via was " +
        "wasn't we we'd we'll we're we've well were weren't what what's whatever when when's where where's whether which while who who's whom " +
        "whose why why's will with within without won't would wouldn't yet you you'd you'll you're you've your yours yourself yourselves " +
        "first second new two three also instead across along already etc e.g i.e go goes going gone went come comes came become becomes " +
        "far take takes took thing things lot lots way ways put puts whole";

    private const string GermanWords =
        "aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch auf aus bei bin bis bist da damit " +
        "dann das dass dein deine dem den denn der des dich die dies diese diesem diesen dieser dieses dir doch dort du durch ein eine einem " +
        "einen einer eines er es euer eure für hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre im in indem ins ist " +
        "jede jedem jeden jeder jedes jetzt kann kein keine können man mein meine mich mir mit muss nach nicht nichts noch nun nur ob oder ohne " +
        "sehr sein seine sich sie sind so solche soll sollte sondern um und uns unser unter viel vom von vor war waren warst was weil welche " +
        "wenn wer werde werden wie wieder will wir wird wo wollen würde zu zum zur zwar zwischen über";

    private const string FrenchWords =
        "au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même mes moi mon ne nos notre nous on ou où " +
        "par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y été être avoir est sont était " +
        "ont fait faire cette cet comme plus sans tout tous toutes aussi bien donc ainsi alors car si très";

    private const string SpanishWords =
        "de la que el en y a los del se las por un para con no una su al lo como más pero sus le ya o este sí porque esta entre cuando muy sin " +
        "sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos " +
        "qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros es son fue " +
        "ser ha han era";
}
