import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'cdk.out', '.kpimailer', '.kpimailer-demo', 'coverage', 'test-results', 'ui/dist'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
      // `z` is zod's everything-namespace, which no bundler can tree-shake (about 350 KB more in each function);
      // `import * as z from 'zod'` keeps only what the schemas use.
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message: "Use import * as z from 'zod' (tree-shakable).",
        },
      ],
    },
  },
);
