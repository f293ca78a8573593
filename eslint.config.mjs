// npm run lint: ESLint with typescript-eslint's type-checked recommended
// rules, on everything tsc compiles. Zero warnings is the bar (.ci/run).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    // CommonJS require is how the code loads modules lazily (a one-shot never
    // pays for node-cron or the server); each such require is typed with `as`.
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      // node:test's describe and it return promises that the runner awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
    },
  },
  { files: ['**/*.mjs', 'bin/*', '.ci/*.js'], ...tseslint.configs.disableTypeChecked },
  // .ci/sea-main.js and .ci/sea-bcrypt.js: CommonJS, for the release executable.
  { files: ['.ci/*.js'], languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', Buffer: 'readonly', __filename: 'readonly', __dirname: 'readonly' } } },
);
