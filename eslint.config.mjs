// Lint guards the architecture: deep provider imports only, one-way data flow, typed imports.
import tseslint from 'typescript-eslint';

const PROVIDER_ROOTS = ['@cdktf/provider-aws', '@cdktf/provider-vault', '@cdktf/provider-kubernetes', '@cdktf/provider-helm'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdktf.out/**', 'dist/**', 'coverage/**', 'bench/results.json', 'jest.config.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: PROVIDER_ROOTS.map((name) => ({
            name,
            message: 'Import one resource at a time (e.g. @cdktf/provider-vault/lib/policy): the package root loads every resource class (seconds and hundreds of MB per synth).',
          })),
          patterns: [{ regex: '^@cdktf/provider-(aws|vault|kubernetes|helm)/lib(/index)?$', message: 'Import the resource module, not the lib index.' }],
        },
      ],
    },
  },
  {
    files: ['constructs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: PROVIDER_ROOTS.map((name) => ({ name, message: 'Import one resource at a time.' })),
          patterns: [
            { regex: '^@cdktf/provider-(aws|vault|kubernetes|helm)/lib(/index)?$', message: 'Import the resource module, not the lib index.' },
            { group: ['../stacks/*', '../main'], message: 'Constructs never depend on stacks or main: data flows config → stacks → constructs.' },
            { group: ['../config/platforms', '../config/platforms/*', '../config/environments'], message: 'Constructs take typed props; they never read the platform inventory directly.' },
            { group: ['*/provider'], importNames: ['AwsProvider', 'VaultProvider', 'KubernetesProvider', 'HelmProvider'], message: 'Providers are created only in stacks.' },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Constructs never read the environment; pass values as props.' }],
    },
  },
  {
    files: ['config/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../stacks/*', '../constructs/*', '../../stacks/*', '../../constructs/*', 'cdktf', '@cdktf/*'], message: 'config is plain typed data and validation; it knows nothing of stacks or constructs.' }] }],
    },
  },
);
