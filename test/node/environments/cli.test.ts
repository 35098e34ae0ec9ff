/**
 * `drift-guard status --env NAME` through an SSH tunnel: the bundled CLI reads the environment from the
 * project's .vscode/settings.json, its URL from .env, logs in to the fixture sshd with the fixture key and
 * reads `_prisma_migrations` of the fixture PostgreSQL as the server sees it.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareHistoryOnly } from '../../fixtures/demoDatabase';
import { requireCliBundle, runCli } from '../../fixtures/cli';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { type SshdFixture, sharedSshd } from '../../fixtures/sshd';

const REPO = path.resolve(__dirname, '../../../..');
const cli = runCli;

describe('drift-guard --env: a configured environment through its SSH tunnel (bundled CLI)', function () {
  this.timeout(120_000);
  let pg: PostgresFixture;
  let sshd: SshdFixture;
  let dir: string;
  let dbName: string;
  let env: Record<string, string>;

  before(async function () {
    requireCliBundle();
    [pg, sshd] = await Promise.all([sharedPostgres(), sharedSshd()]);
    dbName = `dg_cli_env_${randomBytes(3).toString('hex')}`;
    await prepareHistoryOnly(await pg.createDatabase(dbName));
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-cli-env-'));
    await fs.cp(path.join(REPO, 'demo'), dir, { recursive: true });
    await fs.writeFile(
      path.join(dir, '.env'),
      `STAGING_URL="postgresql://${pg.superuser}@127.0.0.1:${pg.port}/${dbName}"\n`,
    );
    await fs.mkdir(path.join(dir, '.vscode'));
    const ssh = { host: sshd.host, port: sshd.port, user: sshd.user, auth: 'key', keyPath: sshd.clientKeyPath };
    await fs.writeFile(
      path.join(dir, '.vscode', 'settings.json'),
      `{
  // VS Code writes JSON with comments and trailing commas
  "driftGuard.environments": [
    { "name": "staging", "kind": "staging", "url": { "from": "env", "variable": "STAGING_URL" }, "ssh": ${JSON.stringify(ssh)} },
    { "name": "production", "kind": "production", "url": { "from": "secret" }, "ssh": ${JSON.stringify(ssh)}, },
  ],
}
`,
    );
    await fs.writeFile(path.join(dir, 'known_hosts'), `${sshd.knownHostsLine}\n`);
    env = { DRIFT_GUARD_KNOWN_HOSTS: path.join(dir, 'known_hosts'), DRIFT_GUARD_CACHE_DIR: path.join(dir, '.cache') };
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    if (dbName) await pg.dropDatabase(dbName).catch(() => undefined);
  });

  it('status --env staging reads _prisma_migrations through the tunnel', async () => {
    const run = await cli(['status', '--env', 'staging', '--json'], dir, env);
    assert.equal(run.stderr, '');
    const status = JSON.parse(run.stdout) as { migrations: { name: string; state: string }[]; hazards: unknown[] };
    assert.equal(status.migrations.length, 10);
    assert.ok(
      status.migrations.every((m) => m.state === 'applied'),
      run.stdout,
    );
    assert.ok(status.hazards.length > 0, 'the production order of the 20260214 migrations is an ordering hazard');
    assert.equal(
      run.code,
      0,
      'exit 0: every migration is applied, an ordering hazard is a warning (exit 1 only with --strict)',
    );
    const text = await cli(['status', '--env', 'staging'], dir, env);
    assert.match(
      text.stdout,
      new RegExp(
        `staging \\(\\$STAGING_URL → postgresql://postgres@127\\.0\\.0\\.1:${pg.port}/${dbName} via SSH ${sshd.user}@127\\.0\\.0\\.1:${sshd.port} → 127\\.0\\.0\\.1:${pg.port}\\)`,
      ),
    );
  });

  it('says what is missing: a URL kept in SecretStorage, an unknown host key, an unknown environment', async () => {
    const secret = await cli(['status', '--env', 'production'], dir, env);
    assert.equal(secret.code, 2);
    assert.match(
      secret.stderr,
      /The URL of production is kept in VS Code's SecretStorage, which the CLI cannot read: pass it with --url \(as seen from the SSH server\)/,
    );
    const withUrl = await cli(
      [
        'status',
        '--env',
        'production',
        '--url',
        `postgresql://${pg.superuser}@127.0.0.1:${pg.port}/${dbName}`,
        '--json',
      ],
      dir,
      env,
    );
    assert.equal(withUrl.code, 0, withUrl.stderr);
    assert.ok((JSON.parse(withUrl.stdout) as { migrations: unknown[] }).migrations.length === 10, withUrl.stdout);

    await fs.writeFile(path.join(dir, 'empty_known_hosts'), '');
    const unknown = await cli(['status', '--env', 'staging'], dir, {
      ...env,
      DRIFT_GUARD_KNOWN_HOSTS: path.join(dir, 'empty_known_hosts'),
    });
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /The SSH host key of \[127\.0\.0\.1\]:\d+ \(SHA256:\S+, ssh-ed25519\) is not trusted: it is not in known_hosts/,
    );

    const none = await cli(['status', '--env', 'qa'], dir, env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No environment "qa" in .*settings\.json \(environments: staging, production\)/);
  });
});
