// @ts-check
import tseslint from 'typescript-eslint';

/** What pure code (lambdas/domain, simulator/) may never import: anything with I/O, and the layers around it. */
const domainForbiddenImports = {
  paths: ['kafkajs', 'aws-cdk-lib', 'constructs'].map((name) => ({
    name,
    message: 'lambdas/domain and simulator/ are pure: do the I/O in an adapter and pass plain data in.',
  })),
  patterns: [
    {
      regex:
        '^(node:|fs$|fs/|path$|os$|child_process$|net$|http$|https$|crypto$|process$|@aws-sdk/|@middy/|@aws-lambda-powertools/|aws-cdk-lib/)',
      message: 'lambdas/domain and simulator/ are pure: no Node built-ins, AWS SDK, middy or Powertools. Use a port.',
    },
    {
      regex: '(^|/|#)(adapters|application|handlers|ports|local)(/|$)',
      message:
        'pure code must not depend on the layers around it (ports, adapters, application, handlers, local mode).',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', '.cache/', '.services/', 'cdk.out/', 'reports/', 'dist/'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/prefer-nullish-coalescing': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Callback interfaces (kafkajs, middy) require async signatures even where nothing is awaited.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['lambdas/domain/**/*.ts', 'simulator/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', domainForbiddenImports],
      'no-restricted-globals': [
        'error',
        ...['process', 'fetch', 'setTimeout', 'setInterval', 'require'].map((name) => ({
          name,
          message: 'pure code: take this as an input (for time, an explicit `now`).',
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pure code takes an explicit `now`.' },
        {
          object: 'Math',
          property: 'random',
          message: 'pure code is deterministic: take randomness as an input (a seed).',
        },
      ],
    },
  },
  {
    // Functions short enough to read at once, in everything that runs (tests and tools may be longer).
    files: ['{lambdas,simulator,local,lib,bin,consumer,example}/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
