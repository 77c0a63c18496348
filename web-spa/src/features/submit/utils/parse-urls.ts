export interface ParsedUrls {
  urls: string[];
  invalid: { line: number; value: string; reason: string }[];
}

export const maxUrlsPerSubmit = 100;

/** One URL per line: blanks skipped, duplicates merged, only http(s) accepted (the server checks the rest). */
export function parseUrls(input: string): ParsedUrls {
  const urls: string[] = [];
  const invalid: ParsedUrls['invalid'] = [];
  const seen = new Set<string>();
  input.split(/\r?\n/).forEach((raw, index) => {
    const value = raw.trim();
    if (!value) return;
    const candidate = /^[a-z][a-z0-9+.-]*:/i.test(value) ? value : `https://${value}`;
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      invalid.push({ line: index + 1, value, reason: 'is not a valid URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      invalid.push({ line: index + 1, value, reason: 'must start with http:// or https://' });
      return;
    }
    const normalised = url.toString();
    if (seen.has(normalised)) return;
    seen.add(normalised);
    urls.push(value === candidate ? value : normalised);
  });
  return { urls, invalid };
}
