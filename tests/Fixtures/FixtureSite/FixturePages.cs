using System.Text;

namespace Platform.Fixtures;

/// <summary>The fixture pages' HTML. Every subresource is relative (same loopback host) except where a test wants otherwise.</summary>
public static class FixturePages
{
    public const string ArticleTitle = "How Rivers Shape Valleys";
    public const string ArticleDescription = "A short field guide to erosion, meanders and floodplains.";
    public static readonly string[] ArticleHeadings = ["How Rivers Shape Valleys", "Erosion at the source", "Meanders in the middle course", "Floodplains downstream"];
    public const string FirstParagraph = "Rivers are patient sculptors. Over thousands of years the steady flow of water cuts through rock";
    public const string NavigationText = "Subscribe to our newsletter";
    public const string FooterText = "Copyright Example Geography Society";
    public const string ExternalLink = "https://example.org/further-reading";

    public static string Article => $$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>{{ArticleTitle}}</title>
          <meta name="description" content="{{ArticleDescription}}">
          <link rel="canonical" href="/articles/rivers">
          <meta property="og:title" content="Rivers and Valleys">
          <meta property="og:type" content="article">
          <meta property="og:image" content="/pixel.png">
          <link rel="stylesheet" href="/style.css">
        </head>
        <body>
          <header><a href="/">Example Geography</a>
            <nav><ul>
              <li><a href="/topics">Topics</a></li><li><a href="/about">About us</a></li>
              <li><a href="/newsletter">{{NavigationText}}</a></li>
            </ul></nav>
          </header>
          <main>
            <article>
              <h1>{{ArticleTitle}}</h1>
              <p>{{FirstParagraph}}, carrying sediment downstream and leaving behind the valleys we walk through today. This guide follows a river from its source to the sea.</p>
              <h2>Erosion at the source</h2>
              <p>Near the source the gradient is steep and the water fast. Hydraulic action and abrasion deepen the channel, producing the classic V-shaped valley with interlocking spurs. Waterfalls form where hard rock overlies softer layers.</p>
              <p>Boulders tumble and break into pebbles as they travel, a process called attrition, which is why stones further downstream are smaller and rounder.</p>
              <h2>Meanders in the middle course</h2>
              <p>As the land flattens the river begins to swing from side to side. Water flows fastest on the outside of each bend, eroding a river cliff, while slower water on the inside deposits a slip-off slope. Read <a href="/articles/meanders">our meanders explainer</a> for diagrams.</p>
              <ul><li>Outer bank: erosion and river cliffs</li><li>Inner bank: deposition and point bars</li></ul>
              <h2>Floodplains downstream</h2>
              <p>In the lower course the river is wide and deep. When it floods it spreads fine silt across the valley floor, building a fertile floodplain bounded by natural levees. See also <a href="{{ExternalLink}}">further reading at Example.org</a>.</p>
              <img src="/pixel.png" alt="A river valley">
            </article>
          </main>
          <aside><h3>Related</h3><a href="/articles/glaciers">Glaciers</a></aside>
          <footer><p>{{FooterText}}</p><a href="https://example.net/privacy">Privacy</a></footer>
        </body>
        </html>
        """;

    public const string JsRenderedHeading = "Rendered by JavaScript";

    /// <summary>The article as page <paramref name="n"/> of a numbered site: its own title and links to its neighbours.</summary>
    public static string SitePage(int n, int pages) => Article
        .Replace($"<title>{ArticleTitle}</title>", $"<title>{ArticleTitle} (page {n + 1} of {pages})</title>")
        .Replace("<a href=\"/topics\">Topics</a>", $"<a href=\"/site/{(n + 1) % pages}\">Next page</a>")
        .Replace("<a href=\"/about\">About us</a>", $"<a href=\"/site/{(n + pages - 1) % pages}\">Previous page</a>");

    public static string JsRendered => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>JS page</title></head>
        <body><div id="app">Loading…</div>
        <script>
          setTimeout(() => {
            document.getElementById('app').innerHTML =
              '<article id="rendered"><h1>{{JsRenderedHeading}}</h1>' +
              '<p>This paragraph did not exist in the HTML the server sent. It was inserted by a script after a short delay, so only a real browser sees it.</p>' +
              '<p>A second paragraph makes the article long enough for the readability heuristics to treat it as the main content of the page.</p></article>';
          }, 300);
        </script></body></html>
        """;

    /// <summary>Titled "fresh" in a browser context that never saw it, "seen before" where its storage or cookie survived.</summary>
    public static string Remember => """
        <!doctype html><html><head><title>unset</title>
        <script>
          document.title = (localStorage.getItem('seen') || document.cookie.includes('seen=1')) ? 'seen before' : 'fresh';
          localStorage.setItem('seen', '1');
          document.cookie = 'seen=1; max-age=3600';
        </script></head><body><p>Storage probe.</p></body></html>
        """;

    public static string PrivateSubresource => """
        <!doctype html><html><head><title>Private subresource</title></head>
        <body><h1>Image from a metadata address</h1><img src="http://169.254.169.254/latest/meta-data/pixel.png"><p>Text.</p></body></html>
        """;

    public static string DialogsAndDownload => """
        <!doctype html><html><head><title>Dialogs</title></head>
        <body><h1>Page with dialogs and a download</h1>
        <p>This page opens an alert, a confirm and a prompt, starts a download, opens a popup and a file chooser.</p>
        <a id="dl" href="/download" download>Download the data</a>
        <input id="file" type="file">
        <script>
          alert('hello');
          confirm('continue?');
          prompt('name?');
          document.getElementById('dl').click();
          window.open('/article');
          document.getElementById('file').click();
          window.addEventListener('beforeunload', (e) => { e.preventDefault(); e.returnValue = ''; });
        </script></body></html>
        """;

    public static string Huge(int paragraphs)
    {
        var html = new StringBuilder("<!doctype html><html lang=\"en\"><head><title>Huge page</title></head><body><article><h1>Huge page</h1>");
        for (var i = 0; i < paragraphs; i++)
        {
            if (i % 100 == 0)
            {
                html.Append("<h2>Section ").Append(i / 100).Append("</h2>");
            }
            html.Append("<p>Paragraph ").Append(i).Append(" of a very long article, repeated to make the document several megabytes large for the capture limits.</p>");
        }
        return html.Append("</article></body></html>").ToString();
    }

    /// <summary>A short page whose content is <paramref name="width"/> CSS pixels wide (horizontal overflow).</summary>
    public static string Wide(int width) =>
        $"<!doctype html><html lang=\"en\"><head><title>Wide page</title></head><body><div style=\"width:{width}px;height:300px;" +
        "background:linear-gradient(90deg,#c00,#00c)\">A very wide banner.</div></body></html>";

    /// <summary>A 1×1 PNG.</summary>
    public static readonly byte[] Pixel = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
}
