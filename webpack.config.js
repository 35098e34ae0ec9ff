// @ts-check
'use strict';

const path = require('node:path');
const webpack = require('webpack');
const CopyPlugin = require('copy-webpack-plugin');

/**
 * Two kinds of bundles:
 *  - node: the extension (vscode external), the `drift-guard` CLI; they share src/core.
 *  - web: the webview clients (target web, no Node built-ins).
 */

/**
 * Ships an initialised PGlite data directory (dist/pglite-template.tar.gz) so the embedded shadow
 * skips initdb on first use. Built once per PGlite version into .cache/ (scripts/build-pglite-template.mjs).
 */
class PgliteTemplatePlugin {
  /** @param {import('webpack').Compiler} compiler */
  apply(compiler) {
    compiler.hooks.afterEmit.tapPromise('PgliteTemplatePlugin', async () => {
      const fs = require('node:fs');
      const { execFileSync } = require('node:child_process');
      const pgliteDir = path.resolve(path.dirname(require.resolve('@electric-sql/pglite')), '..');
      const version = JSON.parse(fs.readFileSync(path.join(pgliteDir, 'package.json'), 'utf8')).version;
      const cached = path.resolve(__dirname, '.cache', `pglite-template-${version}.tar.gz`);
      if (!fs.existsSync(cached)) {
        execFileSync(process.execPath, [path.resolve(__dirname, 'scripts', 'build-pglite-template.mjs'), cached], {
          stdio: 'inherit',
        });
      }
      fs.copyFileSync(cached, path.join(compiler.outputPath, 'pglite-template.tar.gz'));
    });
  }
}

/** @type {import('webpack').Configuration} */
const nodeConfig = {
  name: 'node',
  target: 'node20',
  entry: {
    extension: './src/extension.ts',
    cli: './src/cli/main.ts',
    // The separate process the extension forks to run the schema engine and the embedded shadow.
    engineWorker: './src/engineWorker.ts',
    // `npm start`'s demo databases on the embedded PostgreSQL (scripts/start-demo.mjs); not shipped in the .vsix.
    demoDatabases: './src/demoDatabases.ts',
  },
  output: {
    path: path.resolve(__dirname, 'dist'),
    filename: '[name].js',
    libraryTarget: 'commonjs2',
    // One file per entry: the engine glue and PGlite are imported lazily (import()) but not split out.
    asyncChunks: false,
    devtoolModuleFilenameTemplate: '../[resource-path]',
    clean: { keep: /^(webview|wasm)\// },
  },
  devtool: 'source-map',
  externals: {
    vscode: 'commonjs vscode',
  },
  resolve: {
    extensions: ['.ts', '.js', '.mjs', '.cjs'],
    // CommonJS entry points first: pg-pool's ESM build, bundled into CJS, breaks `class extends Pool`.
    conditionNames: ['node', 'require', 'default'],
    // `await import('./x.js')` of our own .ts modules (node16 resolution wants the extension): loaded on
    // first use, so e.g. ssh2 is not evaluated at activation.
    extensionAlias: { '.js': ['.ts', '.js'] },
  },
  module: {
    rules: [
      {
        test: /\.ts$/,
        exclude: /node_modules/,
        use: [{ loader: 'ts-loader', options: { transpileOnly: true, configFile: 'tsconfig.json' } }],
      },
    ],
  },
  plugins: [
    new webpack.DefinePlugin({ __DRIFT_GUARD_VERSION__: JSON.stringify(require('./package.json').version) }),
    new webpack.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true, test: /^cli\.js$/ }),
    // Binary assets the engine layer reads at run time from the bundle's folder (src/core/engine/assets.ts).
    new PgliteTemplatePlugin(),
    new CopyPlugin({
      patterns: [
        {
          from: require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm'),
          to: '[name][ext]',
        },
        ...['pglite.wasm', 'initdb.wasm', 'pglite.data', '*.tar.gz'].map((file) => ({
          from: path.join(path.dirname(require.resolve('@electric-sql/pglite')), file).replace(/\\/g, '/'),
          to: '[name][ext]',
        })),
        // pgvector for PGlite (src/core/engine/extensions.ts finds every extension tarball in dist/).
        {
          from: path
            .join(path.dirname(require.resolve('@electric-sql/pglite-pgvector')), 'vector.tar.gz')
            .replace(/\\/g, '/'),
          to: '[name][ext]',
        },
      ],
    }),
    // ssh2 tries two optional native addons inside try/catch: `cpu-features` (cipher order) and its own
    // `sshcrypto.node` (faster ciphers). We ship pure JS: leave both out, so their require() throws
    // MODULE_NOT_FOUND in the bundle and ssh2 uses Node's crypto — the same on every platform, built or not.
    // pg loads its optional libpq binding only for `pg.native`, which we never use.
    new webpack.IgnorePlugin({ resourceRegExp: /^pg-native$/ }),
    new webpack.IgnorePlugin({ resourceRegExp: /^cpu-features$/, contextRegExp: /[\\/]ssh2[\\/]/ }),
    new webpack.IgnorePlugin({ resourceRegExp: /[\\/]sshcrypto\.node$/, contextRegExp: /[\\/]ssh2[\\/]/ }),
  ],
  node: { __dirname: false, __filename: false },
  optimization: { minimize: false },
  performance: { hints: false },
  infrastructureLogging: { level: 'warn' },
  stats: 'errors-warnings',
};

/** @type {import('webpack').Configuration} */
const webviewConfig = {
  name: 'webview',
  target: 'web',
  entry: {
    // The runbook panel's client (webview/runbook, protocol shared with src/core/runbook/protocol.ts).
    runbook: './webview/runbook/main.ts',
  },
  output: {
    path: path.resolve(__dirname, 'dist', 'webview'),
    filename: '[name].js',
  },
  devtool: 'source-map',
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [
      {
        test: /\.ts$/,
        exclude: /node_modules/,
        use: [{ loader: 'ts-loader', options: { transpileOnly: true, configFile: 'webview/tsconfig.json' } }],
      },
    ],
  },
  plugins: [
    // Codicons for the webviews, from the npm package: no CDN, loaded under the panel's CSP (font-src).
    new CopyPlugin({
      patterns: ['codicon.css', 'codicon.ttf'].map((file) => ({
        from: path.join(path.dirname(require.resolve('@vscode/codicons/package.json')), 'dist', file),
        to: '[name][ext]',
      })),
    }),
  ],
  performance: { hints: false },
  stats: 'errors-warnings',
};

module.exports = Object.keys(webviewConfig.entry ?? {}).length > 0 ? [nodeConfig, webviewConfig] : [nodeConfig];
