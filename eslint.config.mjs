// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const processEnv = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: 'Read settings through shared/config.ts: it validates them once at start-up.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': ['error', processEnv],
    },
  },
  {
    // Configuration is read in one place; tests and plain JS config files are exempt.
    files: ['shared/config.ts', 'test/**', '**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Plain CommonJS files (configuration, child-process entries) load modules with require().
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Orchestrators are replayed: anything non-deterministic breaks replay.
    files: ['orchestrators/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        processEnv,
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Use context.df.currentUtcDateTime.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use context.df.currentUtcDateTime.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Orchestrators must be deterministic.',
        },
        {
          selector: "CallExpression[callee.name='setTimeout']",
          message: 'Use context.df.createTimer.',
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'fs',
                'fs/*',
                'node:*',
                'http',
                'https',
                'net',
                'child_process',
                '@azure/storage-blob',
                '@azure/data-tables',
                '@azure/arm-mediaservices',
              ],
              message: 'Orchestrators do no I/O: call an activity.',
            },
          ],
        },
      ],
    },
  },
);
