import { parseUrls } from '@/features/submit/utils/parse-urls';

test('one URL per line, blanks skipped and duplicates merged', () => {
  const { urls, invalid } = parseUrls('https://a.test/x\n\n  http://b.test  \nhttps://a.test/x\n');
  expect(urls).toEqual(['https://a.test/x', 'http://b.test']);
  expect(invalid).toEqual([]);
});

test('a bare host gets https://', () => {
  expect(parseUrls('example.com/page').urls).toEqual(['https://example.com/page']);
});

test('other schemes and garbage are reported by line', () => {
  const { urls, invalid } = parseUrls('javascript:alert(1)\nfile:///etc/passwd\nhttps://ok.test\nhttp://exa mple');
  expect(urls).toEqual(['https://ok.test']);
  expect(invalid.map((i) => i.line)).toEqual([1, 2, 4]);
  expect(invalid[0].reason).toMatch(/http/);
});
