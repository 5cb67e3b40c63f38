import oclif from 'eslint-config-oclif'
import prettier from 'eslint-config-prettier'

// The layer rules of the README's "Layout" (design.md §2), one zone each: a break fails `npm test` where it is written.
const ours = ['agent', 'base', 'cli', 'cloud', 'commands', 'config', 'emulator', 'services', 'ui']
const except = (...allowed) => ours.filter(l => !allowed.includes(l)).map(l => `./src/${l}`)
const layerZones = [
  {target: './src/base', from: except('base'), message: 'base imports nothing of ours (only node:*)'},
  {
    target: './src/emulator',
    from: except('base', 'emulator'),
    message: 'the emulator imports only base and its own files',
  },
  {
    target: './src/config',
    from: except('base', 'config'),
    message: 'config is the dialect and the writer: it takes numeric owners, it knows no agent or cloud',
  },
  {
    target: './src/agent',
    from: except('base', 'agent', 'config'),
    message: 'agent (what is on this node) imports only base and config',
  },
  {
    target: './src/cloud',
    from: except('base', 'cloud', 'agent'),
    message: 'cloud never imports config, the emulator or the layers above it',
  },
  {
    target: './src/services',
    from: except('base', 'agent', 'cloud', 'config', 'services'),
    message: 'services never import ui, commands or the emulator: return a result, let ui render it',
  },
  {
    target: './src/ui',
    from: except('base', 'ui', 'services', 'cloud'),
    message: 'ui renders results: it imports their types, never the node or the network',
  },
]

export default [
  {ignores: ['dist/**', 'dist-check/**', 'node_modules/**', 'bench/results.json', 'coverage/**']},
  ...oclif,
  {
    rules: {
      'import/no-restricted-paths': ['error', {zones: layerZones}],
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
      complexity: 'off',
      camelcase: 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      'unicorn/no-nested-ternary': 'off',
      'no-nested-ternary': 'off',
      'unicorn/no-negated-condition': 'off',
      'no-bitwise': 'off',
      '@stylistic/indent-binary-ops': 'off',
      '@stylistic/operator-linebreak': 'off',
      'unicorn/consistent-function-scoping': 'off',
      'unicorn/import-style': 'off',
      'no-promise-executor-return': 'off',
      '@stylistic/no-mixed-spaces-and-tabs': ['error', 'smart-tabs'],
      'no-negated-condition': 'off',
      '@stylistic/max-len': 'off', // prettier formats at 120 (npm run lint checks it); eslint-config-prettier below
    },
  },
  {
    // tests use node:test, not mocha; node:test's describe is stable on the Node 20.17+ we support
    files: ['test/**/*.ts', 'bench/**'],
    rules: {
      'mocha/no-global-tests': 'off',
      'mocha/no-setup-in-describe': 'off',
      'mocha/no-top-level-hooks': 'off',
      'mocha/no-sibling-hooks': 'off',
      'mocha/max-top-level-suites': 'off',
      'mocha/no-identical-title': 'off',
      'mocha/no-exports': 'off',
      'mocha/no-async-describe': 'off',
      'n/no-unsupported-features/node-builtins': 'off',
      'no-empty': 'off',
      'unicorn/consistent-function-scoping': 'off',
    },
  },
  {
    // the one CommonJS file: the debug shim esbuild puts into the CommonJS bundle (scripts/bundle.mjs)
    files: ['**/*.cjs'],
    languageOptions: {globals: {module: 'writable', require: 'readonly'}, sourceType: 'commonjs'},
    rules: {'@typescript-eslint/no-require-imports': 'off', 'unicorn/prefer-module': 'off'},
  },
  // last: turn off every stylistic rule that prettier owns
  prettier,
  {
    rules: {
      '@stylistic/max-len': [
        'error',
        {code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true},
      ],
    },
  },
]
