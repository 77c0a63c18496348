// Runs inside the captured page (Playwright evaluate). The vendored libraries are in scope as Readability,
// TurndownService and turndownPluginGfm. Returns only the outputs asked for.
(options) => {
  const result = {};
  const clean = (s) => (s ?? '').replace(/\s+/g, ' ').trim();

  if (options.markdown || options.text) {
    let article = null;
    try {
      // Readability mutates the document it is given, so it works on a clone; serializer keeps the element (no re-parse).
      article = new Readability(document.cloneNode(true), { serializer: (el) => el }).parse();
    } catch (e) {
      article = null;
    }
    const content = article?.content ?? document.body ?? document.documentElement;
    // Readability demotes the article's <h1> to <h2> (it keeps h1 for its own title, which may come from og:title);
    // put the page's real h1 back so the Markdown outline matches the page.
    const pageH1 = new Set([...document.querySelectorAll('h1')].map((h) => clean(h.textContent)).filter(Boolean));
    if (article?.content) {
      for (const h2 of content.querySelectorAll('h2')) {
        if (pageH1.has(clean(h2.textContent))) {
          const h1 = h2.ownerDocument.createElement('h1');
          h1.append(...h2.childNodes);
          h2.replaceWith(h1);
        }
      }
    }
    const title = clean([...pageH1][0] || article?.title || document.title);
    result.title = title;

    if (options.markdown) {
      const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '_' });
      turndown.use(turndownPluginGfm.gfm);
      turndown.remove(['script', 'style', 'noscript', 'template', 'iframe', 'form', 'button']);
      let markdown = turndown.turndown(content).trim();
      // Give the document a top-level heading when the content has none of its own.
      if (title && !/^# /m.test(markdown)) {
        markdown = `# ${title}\n\n${markdown}`;
      }
      result.markdown = markdown + '\n';
    }

    if (options.text) {
      // innerText needs layout to turn blocks into lines: render a media-free copy off-screen, read it, remove it.
      const copy = content.cloneNode(true);
      copy.querySelectorAll?.('img,picture,video,audio,iframe,object,embed,source,svg,canvas,script,style,link,noscript')
        .forEach((n) => n.remove());
      const host = document.createElement('div');
      host.setAttribute('aria-hidden', 'true');
      host.style.cssText = 'position:absolute;left:-100000px;top:0;width:1000px;white-space:normal;visibility:visible;display:block;';
      host.appendChild(document.importNode(copy, true));
      (document.body ?? document.documentElement).appendChild(host);
      const text = host.innerText;
      host.remove();
      result.text = text.replace(/\n{3,}/g, '\n\n').trim() + '\n';
    }
  }

  if (options.links) {
    const seen = new Set();
    const here = location.hostname.replace(/^www\./, '');
    result.links = [];
    for (const a of document.querySelectorAll('a[href]')) {
      let url;
      try {
        url = new URL(a.href, document.baseURI);
      } catch {
        continue;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
      url.hash = '';
      const href = url.href;
      if (seen.has(href)) continue;
      seen.add(href);
      result.links.push({
        url: href,
        text: clean(a.innerText || a.textContent || a.getAttribute('title') || a.getAttribute('aria-label')),
        internal: url.hostname.replace(/^www\./, '') === here,
      });
      if (result.links.length >= options.maxLinks) break;
    }
  }

  if (options.metadata) {
    const meta = (selector) => clean(document.querySelector(selector)?.getAttribute('content')) || null;
    const openGraph = {};
    for (const m of document.querySelectorAll('meta[property^="og:"]')) {
      const key = m.getAttribute('property');
      if (!(key in openGraph)) openGraph[key] = clean(m.getAttribute('content'));
    }
    const canonical = document.querySelector('link[rel~="canonical" i][href]');
    result.metadata = {
      title: clean(document.title) || openGraph['og:title'] || null,
      description: meta('meta[name="description" i]') ?? openGraph['og:description'] ?? null,
      language: clean(document.documentElement.getAttribute('lang')) || meta('meta[http-equiv="content-language" i]'),
      canonical: canonical ? canonical.href : null,
      openGraph,
      headings: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')]
        .map((h) => ({ level: Number(h.tagName[1]), text: clean(h.innerText || h.textContent) }))
        .filter((h) => h.text)
        .slice(0, options.maxHeadings),
      url: location.href,
    };
  }

  return result;
}
