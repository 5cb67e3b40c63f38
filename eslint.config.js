import oclif from 'eslint-config-oclif'

export default [
  {ignores: ['dist/**', 'dist-check/**', 'node_modules/**', 'bench/results.json', 'coverage/**']},
  ...oclif,
  {
    rules: {
      // CLI output goes through src/ui; long protocol tables read better unsplit.
      'max-params': ['warn', 5],
      'no-await-in-loop': 'off',
      'perfectionist/sort-objects': 'off',
      'perfectionist/sort-object-types': 'off',
      'perfectionist/sort-interfaces': 'off',
      'perfectionist/sort-union-types': 'off',
      'perfectionist/sort-classes': 'off',
      'perfectionist/sort-named-imports': 'off',
      'perfectionist/sort-imports': 'off',
      'perfectionist/sort-switch-case': 'off',
      'perfectionist/sort-modules': 'off',
      'unicorn/prefer-string-replace-all': 'off',
      'unicorn/no-array-reduce': 'off',
      'unicorn/prevent-abbreviations': 'off',
      'unicorn/no-process-exit': 'off',
      'n/no-process-exit': 'off',
      'no-control-regex': 'off',
      'unicorn/no-hex-escape': 'off',
      'unicorn/escape-case': 'off',
      'complexity': 'off',
      'camelcase': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
]
