// Prints every failed test of the given .trx files with its message and the top of its stack, so the end of ./test's
// output (all a CI excerpt may show) says what failed and why, whichever lane printed it earlier.
import { readFileSync } from "node:fs";

const decode = (s) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#xD;/g, "").replace(/&#xA;/g, "\n").replace(/&amp;/g, "&");
const head = (text, lines) => {
  const all = text.split("\n");
  return all.slice(0, lines).join("\n") + (all.length > lines ? `\n… (${all.length - lines} more lines in the .trx)` : "");
};

for (const file of process.argv.slice(2)) {
  let xml;
  try {
    xml = readFileSync(file, "utf8");
  } catch {
    continue;
  }
  for (const match of xml.matchAll(/<UnitTestResult\b([^>]*[^/])>([\s\S]*?)<\/UnitTestResult>/g)) {
    if (!/outcome="Failed"/.test(match[1])) continue;
    const name = decode(/testName="([^"]*)"/.exec(match[1])?.[1] ?? "?");
    const message = decode(/<Message>([\s\S]*?)<\/Message>/.exec(match[2])?.[1] ?? "");
    const stack = decode(/<StackTrace>([\s\S]*?)<\/StackTrace>/.exec(match[2])?.[1] ?? "");
    console.log(`-- FAILED ${name}`);
    console.log(head(message, 40));
    if (stack) console.log(head(stack, 4));
  }
}
