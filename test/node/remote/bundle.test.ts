/**
 * The SSH layer as webpack bundles it: builds test/bundle/sshBundleCheck.ts with the node config of
 * webpack.config.js (same loaders, resolve rules, plugins), runs the bundle in a child Node process against
 * the real sshd and PostgreSQL fixtures, and checks that no native addon was loaded (pure-JS ssh2).
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import webpack, { type Configuration } from 'webpack';
import { sharedPostgres } from '../../fixtures/postgres';
import { sharedSshd } from '../../fixtures/sshd';
import { TempDir } from './helpers';

const ROOT = path.resolve(__dirname, '../../../..');

function build(config: Configuration): Promise<webpack.Stats> {
  return new Promise((resolve, reject) => {
    webpack(config, (error, stats) => {
      if (error) return reject(error);
      if (!stats) return reject(new Error('webpack gave no stats'));
      resolve(stats);
    });
  });
}

describe('remote: ssh2 in the webpack node bundle', function () {
  this.timeout(120_000);
  let tmp: TempDir;
  before(() => {
    tmp = new TempDir();
  });
  after(() => tmp.remove());

  it('builds without errors or SSH-related warnings and opens a session, execs and tunnels with pure-JS crypto', async () => {
    const configs = createRequire(__filename)(path.join(ROOT, 'webpack.config.js')) as Configuration[];
    const node = configs.find((c) => c.name === 'node');
    assert.ok(node, 'webpack.config.js has a node config');
    const outDir = path.join(tmp.path, 'dist');
    const stats = await build({
      ...node,
      context: ROOT,
      mode: 'production',
      entry: { sshcheck: './test/bundle/sshBundleCheck.ts' },
      output: { ...node.output, path: outDir, clean: false },
    });
    const info = stats.toJson({ all: false, errors: true, warnings: true });
    assert.deepEqual(
      (info.errors ?? []).map((e) => e.message),
      [],
    );
    // Only warnings about the SSH side count here (other modules' warnings are their tests' business).
    const ours = (info.warnings ?? []).filter((w) =>
      /ssh2|cpu-features|sshcrypto|core[\\/]remote/.test(
        `${w.message} ${w.moduleName ?? ''} ${w.moduleIdentifier ?? ''}`,
      ),
    );
    assert.deepEqual(
      ours.map((w) => w.message),
      [],
    );
    const bundle = path.join(outDir, 'sshcheck.js');
    assert.match(
      fs.readFileSync(bundle, 'utf8'),
      /Cannot find module '\.\/crypto\/build\/Release\/sshcrypto\.node'/,
      'the native addon is stubbed out',
    );

    const [sshd, pg] = await Promise.all([sharedSshd(), sharedPostgres()]);
    const knownHostsFile = tmp.file('known_hosts', `${sshd.knownHostsLine}\n`);
    const input = {
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      keyPath: sshd.clientKeyPath,
      knownHostsFile,
      pgPort: pg.port,
    };
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [bundle, JSON.stringify(input)], { timeout: 60_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      );
    });
    const result = JSON.parse(stdout) as {
      stdout: string;
      exitCode: number;
      sslAnswer: string;
      nativeModulesLoaded: string[];
    };
    assert.equal(result.stdout, 'bundled\n');
    assert.equal(result.exitCode, 7);
    // The fixture's PostgreSQL runs without SSL: it answers the SSLRequest with `N`, through the tunnel.
    assert.equal(result.sslAnswer, 'N');
    assert.deepEqual(result.nativeModulesLoaded, []);
  });
});
