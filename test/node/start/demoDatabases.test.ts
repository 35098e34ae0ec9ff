/**
 * `npm start`'s demo databases, started exactly as npm start starts them (scripts/start-demo.mjs, here with
 * `--editor none`) on the built bundle: the CLI sees the demo's drift on `local` and the production history on
 * the `production` environment, production has rows, and SIGTERM stops the databases and removes the copy.
 */
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { requireCliBundle, runCli } from '../../fixtures/cli';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start: the demo databases on the embedded PostgreSQL', function () {
  this.timeout(180_000);
  let tmp: string;
  let child: ChildProcess | undefined;
  let output = '';
  let exited: Promise<number | null>;

  before(async function () {
    requireCliBundle();
    assert.ok(
      fs.existsSync(path.join(REPO, 'dist', 'demoDatabases.js')),
      'dist/demoDatabases.js is missing: run npm run build first',
    );
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-guard-start-demo-'));
    child = spawn(process.execPath, [path.join(REPO, 'scripts', 'start-demo.mjs'), '--editor', 'none'], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => child?.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const onData = (data: Buffer) => {
        output += data.toString();
        if (/^start: ready$/m.test(output)) resolve();
      };
      child?.stdout?.on('data', onData);
      child?.stderr?.on('data', onData);
      void exited.then((code) => reject(new Error(`start-demo.mjs exited (${code}) before ready:\n${output}`)));
    });
  });

  after(async function () {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function workspace(): string {
    const match = /demo workspace \(a fresh copy, removed on exit\): (.+)$/m.exec(output);
    assert.ok(match, output);
    return match[1];
  }

  function url(name: 'local' | 'production'): string {
    const match = new RegExp(`^start: +${name} +(postgresql://\\S+)`, 'm').exec(output);
    assert.ok(match, output);
    return match[1];
  }

  it("writes the copy's .env and the production environment into its settings", function () {
    const env = fs.readFileSync(path.join(workspace(), '.env'), 'utf8');
    assert.match(env, new RegExp(`^DATABASE_URL="${url('local').replace(/[?.]/g, '\\$&')}"$`, 'm'));
    assert.match(env, new RegExp(`^PRODUCTION_DATABASE_URL="${url('production').replace(/[?.]/g, '\\$&')}"$`, 'm'));
    const settings = JSON.parse(fs.readFileSync(path.join(workspace(), '.vscode', 'settings.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.deepEqual(settings['driftGuard.environments'], [
      { name: 'production', kind: 'production', url: { from: 'env', variable: 'PRODUCTION_DATABASE_URL' } },
    ]);
    // The repository's demo/ is untouched.
    assert.equal(fs.existsSync(path.join(REPO, 'demo', '.vscode', 'settings.json')), false);
  });

  it('local: the ten migrations applied and the "db push" drift, as the CLI sees it', async function () {
    const status = await runCli(['status'], workspace());
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /10 applied/);
    const check = await runCli(['check', '--json'], workspace());
    const report = JSON.parse(check.stdout) as { database?: { items?: Array<{ name?: string; object?: string }> } };
    const text = JSON.stringify(report);
    for (const object of [
      'invoices',
      'invoice_items',
      'invoice_sequences',
      'InvoiceStatus',
      'activationToken',
      'activatedAt',
      'activationExpiry',
    ]) {
      assert.ok(text.includes(object), `check --json does not mention ${object}: ${check.stdout.slice(0, 2000)}`);
    }
    assert.equal(check.code, 1, 'drift found: check exits 1');
  });

  it('production: the production history (fix → init → add) with rows', async function () {
    const status = await runCli(['status', '--env', 'production'], workspace());
    assert.match(status.stdout, /10 applied/, status.stdout + status.stderr);
    assert.match(status.stdout, /applied 2026-02-15 09:12/);
    const client = new Client({ connectionString: url('production').replace(/\?schema=public$/, '') });
    await client.connect();
    try {
      const users = await client.query<{ n: string }>('SELECT count(*) AS n FROM users');
      const invoices = await client.query<{ n: string }>('SELECT count(*) AS n FROM invoices');
      assert.ok(Number(users.rows[0]?.n) > 0);
      assert.ok(Number(invoices.rows[0]?.n) > 0);
    } finally {
      await client.end();
    }
  });

  it("the team's way out works on them: baseline, Mark Applied on local and production, then nothing to deploy", async function () {
    const baseline = await runCli(['baseline', '--name', 'baseline_invoicing_and_drift'], workspace());
    assert.equal(baseline.code, 0, baseline.stdout + baseline.stderr);
    const name = fs
      .readdirSync(path.join(workspace(), 'prisma', 'migrations'))
      .find((n) => n.endsWith('_baseline_invoicing_and_drift'));
    assert.ok(name, baseline.stdout);
    for (const target of [[], ['--env', 'production']]) {
      const resolve = await runCli(['resolve', ...target, '--applied', name], workspace());
      assert.equal(resolve.code, 0, resolve.stdout + resolve.stderr);
      assert.match(resolve.stdout, /the database already has every change it makes/);
    }
    const plan = await runCli(['deploy', '--env', 'production', '--dry-run'], workspace());
    assert.match(plan.stdout, /Nothing to deploy on production/, plan.stdout + plan.stderr);
  });

  it('SIGTERM stops both databases and removes everything it created', async function () {
    const ports = [url('local'), url('production')].map((u) => Number(new URL(u).port));
    const copy = path.dirname(workspace());
    child?.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 128 + 15, output);
    for (const port of ports) assert.equal(await portOpen(port), false, `port ${port} still open`);
    assert.equal(fs.existsSync(copy), false, `${copy} is left behind`);
    assert.deepEqual(fs.readdirSync(tmp), []);
  });
});
