import * as assert from 'node:assert/strict';
import {
  describeEnvironmentSetting,
  parseEnvironmentSettings,
  parseHostPort,
  remoteEndpoint,
  secretKey,
  secretsOf,
  sshTargetOf,
  tunnelledUrl,
  withoutTunnelAddress,
} from '../../../src/core/environments/config';
import { benchHistoryStatus } from '../../../src/core/history/historyBench';
import { countStates, isBaseline } from '../../../src/core/history/historySummary';
import { type HistoryStatus } from '../../../src/core/history/status';

describe('environments: the driftGuard.environments setting', () => {
  it("reads a production environment behind SSH (the team's server) with its defaults", () => {
    const { environments, problems } = parseEnvironmentSettings([
      {
        name: 'production',
        kind: 'production',
        url: { from: 'secret' },
        ssh: { host: '88.99.254.59', user: 'root', database: '127.0.0.1:5435' },
      },
      { name: 'staging', kind: 'staging', url: { from: 'env', variable: 'STAGING_DATABASE_URL' } },
      { name: 'dev', kind: 'development' },
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual(environments[0], {
      name: 'production',
      kind: 'production',
      url: { from: 'secret' },
      ssh: { host: '88.99.254.59', user: 'root', auth: 'agent', database: '127.0.0.1:5435' },
    });
    assert.deepEqual(environments[1].url, { from: 'env', variable: 'STAGING_DATABASE_URL' });
    assert.deepEqual(environments[2].url, { from: 'secret' }, 'the URL is a secret unless said otherwise');
    assert.equal(
      describeEnvironmentSetting(environments[0]),
      'URL in SecretStorage via SSH root@88.99.254.59:22 → 127.0.0.1:5435',
    );
    assert.equal(describeEnvironmentSetting(environments[1]), '$STAGING_DATABASE_URL');
    assert.deepEqual(secretsOf(environments[0]), ['url']);
  });

  it('refuses passwords and URLs in settings, and names the entry of each problem', () => {
    const { environments, problems } = parseEnvironmentSettings([
      { name: 'prod', kind: 'production', url: 'postgresql://admin:hunter2@db:5432/app' },
      { name: 'prod2', kind: 'production', password: 'hunter2' },
      { name: 'box', kind: 'staging', ssh: { host: 'h', user: 'u', auth: 'password', password: 'x' } },
      { name: 'local', kind: 'development' },
      { name: 'dup', kind: 'staging' },
      { name: 'dup', kind: 'staging' },
      { name: 'bad kind', kind: 'qa' },
      { name: 'k', kind: 'staging', ssh: { host: 'h', user: 'u', auth: 'key' } },
      { name: 'p', kind: 'staging', ssh: { host: 'h', user: 'u', database: 'not a host:port:x' } },
      'nope',
    ]);
    assert.deepEqual(
      environments.map((e) => e.name),
      ['dup'],
    );
    assert.equal(problems.length, 9);
    assert.match(problems[0], /^driftGuard\.environments\[0\] \(prod\): "url" holds a connection URL: never put it/);
    assert.match(problems[1], /\(prod2\): "password" does not belong in settings/);
    assert.match(problems[2], /\(box\): "ssh.password"/);
    assert.match(problems[3], /"local" is the project's own datasource URL/);
    assert.match(problems[4], /another environment is already named "dup"/);
    assert.match(problems[5], /"name" must be/);
    assert.match(problems[6], /"ssh.keyPath" is needed/);
    assert.match(problems[7], /"ssh.database" must be host:port/);
    assert.match(problems[8], /\[9\]: not an object/);
    assert.deepEqual(parseEnvironmentSettings(undefined), { environments: [], problems: [] });
    assert.deepEqual(parseEnvironmentSettings({}).problems, [
      'driftGuard.environments must be a list of environments.',
    ]);
  });

  it('works out the tunnel: remote end from ssh.database or the URL, the URL pointed at the local port', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:5435'), { host: '127.0.0.1', port: 5435 });
    assert.deepEqual(parseHostPort('[::1]:5432'), { host: '::1', port: 5432 });
    assert.deepEqual(parseHostPort('db', 5432), { host: 'db', port: 5432 });
    assert.equal(parseHostPort('db'), undefined);
    assert.equal(parseHostPort('db:99999'), undefined);
    const ssh = { host: 'h', user: 'root', auth: 'agent' as const };
    assert.deepEqual(remoteEndpoint({ ...ssh, database: '127.0.0.1:5435' }, 'postgresql://u:p@elsewhere:1/db'), {
      host: '127.0.0.1',
      port: 5435,
    });
    assert.deepEqual(remoteEndpoint(ssh, 'postgresql://u:p@localhost/db'), { host: '127.0.0.1', port: 5432 });
    assert.deepEqual(remoteEndpoint(ssh, 'postgresql://u:p@nexus-postgres-db:5435/db'), {
      host: 'nexus-postgres-db',
      port: 5435,
    });
    assert.equal(
      tunnelledUrl('postgresql://nexus_admin:s%40cret@127.0.0.1:5435/nexus_prod?schema=public&host=/tmp', 40123),
      'postgresql://nexus_admin:s%40cret@127.0.0.1:40123/nexus_prod?schema=public',
    );
    // Messages about a tunnelled database name its real target, not the tunnel's changing local port.
    const tunnel = tunnelledUrl('postgresql://u:pw@127.0.0.1:5435/nexus_prod', 40123);
    assert.equal(
      withoutTunnelAddress(
        "connect ECONNREFUSED 127.0.0.1:40123; Can't reach database server at `127.0.0.1:40123`",
        tunnel,
        'root@88.99.254.59:22 → 127.0.0.1:5435',
      ),
      "connect ECONNREFUSED root@88.99.254.59:22 → 127.0.0.1:5435; Can't reach database server at `root@88.99.254.59:22 → 127.0.0.1:5435`",
    );
    assert.equal(
      withoutTunnelAddress('timeout on 127.0.0.1:4012 and 127.0.0.1:401234', tunnel, 'x'),
      'timeout on 127.0.0.1:4012 and 127.0.0.1:401234',
      'another port is left alone',
    );
  });

  it('builds SSH targets with the secrets passed in', () => {
    assert.deepEqual(
      sshTargetOf({ host: 'h', port: 2222, user: 'u', auth: 'password', connectTimeoutSeconds: 5 }, { password: 'pw' }),
      {
        host: 'h',
        port: 2222,
        user: 'u',
        auth: { kind: 'password', password: 'pw' },
        connectTimeoutMs: 5000,
      },
    );
    assert.throws(() => sshTargetOf({ host: 'h', user: 'u', auth: 'password' }, {}), /No SSH password stored/);
    assert.deepEqual(
      sshTargetOf({ host: 'h', user: 'u', auth: 'key', keyPath: '~/.ssh/k' }, { passphrase: 'pp' }).auth,
      { kind: 'key', path: '~/.ssh/k', passphrase: 'pp' },
    );
    assert.notEqual(
      secretKey('file:///a', 'production', 'url'),
      secretKey('file:///b', 'production', 'url'),
      'two folders may both have a production',
    );
  });
});

describe('history: summary and bench', () => {
  it('counts states and recognises baselines', () => {
    const status: HistoryStatus = {
      hasMigrationsTable: true,
      migrations: [
        { name: '0_init', state: 'applied', recordedWithoutRunning: true },
        { name: '20260217_baseline_invoicing_and_drift', state: 'applied' },
        { name: '20260218_add', state: 'pending' },
        { name: '20260219_x', state: 'failed' },
      ],
      hazards: [],
      notes: [],
    };
    const c = countStates(status);
    assert.deepEqual([c.applied, c.pending, c.failed, c.total], [2, 1, 1, 4]);
    assert.deepEqual(status.migrations.map(isBaseline), [true, true, false, false]);
  });

  it('computes the status of 500 migrations within the 150 ms target', async function () {
    this.timeout(60_000);
    const result = await benchHistoryStatus({ migrations: 500, runs: 5 });
    assert.deepEqual(Object.keys(result.states).sort(), [
      'applied',
      'failed',
      'missingLocally',
      'modified',
      'pending',
      'rolledBack',
    ]);
    assert.equal(result.states.pending, 5);
    // Generous bound for a loaded CI machine; `drift-guard bench` prints the real figure.
    assert.ok(result.medianMs < 600, `median ${result.medianMs.toFixed(1)} ms`);
  });
});
