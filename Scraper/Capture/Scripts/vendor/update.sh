#!/usr/bin/env bash
# Refreshes the vendored page scripts from the npm registry. Bump the versions here and in docs/dependencies.md together.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @mozilla/readability@0.6.0 turndown@7.2.5 turndown-plugin-gfm@1.0.2 >/dev/null && for t in *.tgz; do mkdir "${t%.tgz}"; tar xzf "$t" -C "${t%.tgz}"; done)
cp "$tmp"/mozilla-readability-0.6.0/package/Readability.js readability.js
cp "$tmp"/mozilla-readability-0.6.0/package/LICENSE.md readability.LICENSE.md
cp "$tmp"/turndown-7.2.5/package/lib/turndown.browser.cjs.js turndown.js
cp "$tmp"/turndown-7.2.5/package/LICENSE turndown.LICENSE
cp "$tmp"/turndown-plugin-gfm-1.0.2/package/lib/turndown-plugin-gfm.browser.cjs.js turndown-plugin-gfm.js
cp "$tmp"/turndown-plugin-gfm-1.0.2/package/LICENSE turndown-plugin-gfm.LICENSE
