// @ts-check
import tseslint from 'typescript-eslint';

/** What pure domain code may never import: anything with I/O, and the layers around it. */
const domainForbiddenImports = {
  paths: ['kafkajs', 'aws-cdk-lib', 'constructs'].map((name) => ({
    name,
    message: 'lambdas/domain is pure: do the I/O in an adapter and pass plain data in.',
  })),
  patterns: [
    {
      regex:
        '^(node:|fs$|fs/|path$|os$|child_process$|net$|http$|https$|crypto$|process$|@aws-sdk/|@middy/|@aws-lambda-powertools/|aws-cdk-lib/)',
      message: 'lambdas/domain is pure: no Node built-ins, AWS SDK, middy or Powertools. Use a port.',
    },
    {
      regex: '(^|/)(adapters|application|handlers|ports)(/|$)',
      message: 'lambdas/domain must not depend on the layers around it (ports, adapters, application, handlers).',
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
    files: ['lambdas/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', domainForbiddenImports],
      'no-restricted-globals': [
        'error',
        ...['process', 'fetch', 'setTimeout', 'setInterval', 'require'].map((name) => ({
          name,
          message: 'lambdas/domain is pure: take this as an input (for time, an explicit `now`).',
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'lambdas/domain takes an explicit `now`.' },
        {
          object: 'Math',
          property: 'random',
          message: 'lambdas/domain is deterministic: take randomness as an input.',
        },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
