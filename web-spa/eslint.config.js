// ESLint (flat config): TypeScript's recommended rules, React's hooks rules, and the one-way import rule of
// docs/architecture.md ("The SPA"): shared code (components, hooks, lib, types, utils) → features → app. Every import of
// our own code goes through the `@/` alias, so the rule reads the import's path; `../` is refused so none slips past.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const features = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const parentImports = { group: ['../*'], message: 'Import our own code through the @/ alias.' };
const appImports = { group: ['@/app', '@/app/*'], message: 'Only the app imports from src/app.' };

/** no-restricted-imports for one part of the tree (a later block replaces the rule, so each lists all it forbids). */
const restrict = (files, ...patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns: [parentImports, ...patterns] }] } });

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'src/types/api.ts'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended, reactHooks.configs.flat['recommended-latest']],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  restrict(['src/**/*.{ts,tsx}']),
  // Shared code knows no feature and no route.
  restrict(['src/{components,hooks,lib,types,utils}/**'], appImports, {
    group: ['@/features', '@/features/*'],
    message: 'Shared code does not import features: move what both need into src/lib, src/components or src/hooks.',
  }),
  // A feature uses shared code and itself, never the app or another feature.
  ...features.map((feature) =>
    restrict([`src/features/${feature}/**`], appImports, {
      regex: `^@/features/(?!${feature}/)`,
      message: 'Features do not import each other: move what both need into shared code, or compose them in src/app.',
    }),
  ),
);
