using System.Reflection;

namespace Platform.Scraper.Capture;

/// <summary>
/// The script evaluated in captured pages: Mozilla Readability, Turndown and its GFM plugin (vendored from npm, see
/// Capture/Scripts/vendor/update.sh) each loaded in its own CommonJS-style scope so nothing leaks into the page's globals,
/// then our extract.js. Built once at start-up from embedded resources.
/// </summary>
public sealed class PageScripts
{
    public PageScripts()
    {
        Extract = $$"""
            (options) => {
              const load = (factory) => { const module = { exports: {} }; factory(module, module.exports); return module.exports; };
              const Readability = load(function (module, exports) {
            {{Read("vendor.readability.js")}}
              });
              const TurndownService = load(function (module, exports) {
            {{Read("vendor.turndown.js")}}
              });
              const turndownPluginGfm = load(function (module, exports) {
            {{Read("vendor.turndown-plugin-gfm.js")}}
              });
              return ({{Read("extract.js").Trim().TrimEnd(';')}})(options);
            }
            """;
    }

    /// <summary>A function expression taking <c>{ markdown, text, links, metadata, maxLinks, maxHeadings }</c>.</summary>
    public string Extract { get; }

    private static string Read(string name)
    {
        var assembly = typeof(PageScripts).Assembly;
        var resource = $"Platform.Scraper.Capture.Scripts.{name}";
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded script {resource} is missing.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        // Our own script starts with comments; strip them so the expression can be wrapped in parentheses.
        return name == "extract.js" ? string.Join('\n', text.Split('\n').SkipWhile(l => l.StartsWith("//", StringComparison.Ordinal))) : text;
    }
}
