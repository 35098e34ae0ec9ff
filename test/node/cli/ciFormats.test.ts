import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareProdLike } from '../../fixtures/demoDatabase';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { validateSarif } from '../../fixtures/sarif';

const REPO = path.resolve(__dirname, '../../../..');

interface SarifResult {
  ruleId: string;
  level: string;
  message: { text: string };
  locations?: Array<{
    physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number; startColumn?: number } };
  }>;
}

/**
 * `check --format sarif` and `--format github` on the demo inside a git repository (the project in a subfolder, run
 * from that subfolder): the production-like database has the db push objects and the 20260214 trio applied out of
 * order, so there is schema drift, database drift and guard rails.
 */
describe('drift-guard check --format sarif | github (bundled dist/cli.js, real PostgreSQL, git)', function () {
  this.timeout(180_000);
  let pg: PostgresFixture;
  let repo = '';
  let app = '';
  let cacheDir = '';
  let url = '';
  const cli = (args: string[]): Promise<CliRun> => runCli(args, app, { DRIFT_GUARD_CACHE_DIR: cacheDir });

  before(async () => {
    requireCliBundle();
    pg = await sharedPostgres();
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-ci-cache-'));
    repo = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-ci-repo-'));
    app = path.join(repo, 'apps', 'api');
    await fs.cp(path.join(REPO, 'demo'), app, { recursive: true });
    const git = (...args: string[]): void => void execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
    git('init', '-q');
    git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'add', '-A');
    git(
      '-c',
      'user.name=Test',
      '-c',
      'user.email=test@example.com',
      'commit',
      '-qm',
      'Add the api project with its migrations',
    );
    url = await pg.createDatabase(`cli_ci_formats_${Date.now()}`);
    await prepareProdLike(url);
  });
  after(async () => {
    for (const dir of [repo, cacheDir]) if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('--format sarif: valid SARIF 2.1.0, drift on the schema lines of its models and fields, guard rails on their migration.sql, paths from the repository root, same exit code', async () => {
    const text = await cli(['check', '--url', url]);
    const sarif = await cli(['check', '--url', url, '--format', 'sarif']);
    assert.equal(sarif.code, text.code, sarif.stderr);
    assert.equal(sarif.code, 1);
    const log = JSON.parse(sarif.stdout) as {
      version: string;
      runs: Array<{ tool: { driver: { name: string; rules: Array<{ id: string }> } }; results: SarifResult[] }>;
    };
    assert.deepEqual(validateSarif(log), []);
    const { results, tool } = log.runs[0];
    const rules = new Set(tool.driver.rules.map((r) => r.id));
    for (const r of results) assert.ok(rules.has(r.ruleId), `${r.ruleId} is a declared rule`);
    const byRule = (id: string): SarifResult[] => results.filter((r) => r.ruleId === id);
    assert.ok(
      byRule('schema-drift').length > 0 && byRule('database-drift').length > 0,
      results.map((r) => r.ruleId).join(', '),
    );

    const schemaLines = (await fs.readFile(path.join(app, 'prisma', 'schema.prisma'), 'utf8')).split('\n');
    for (const r of [...byRule('schema-drift'), ...byRule('database-drift')]) {
      const loc = r.locations?.[0].physicalLocation;
      assert.equal(loc?.artifactLocation.uri, 'apps/api/prisma/schema.prisma', r.message.text);
      // The line declares the model, enum or field the message names (`User.activatedAt` → the activatedAt line).
      const name = /`([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_]+))?`/.exec(r.message.text);
      assert.ok(name, r.message.text);
      const line = schemaLines[loc.region!.startLine - 1];
      assert.match(
        line,
        name[2] ? new RegExp(`^\\s*${name[2]}\\s`) : new RegExp(`^(model|enum)\\s+${name[1]}\\b`),
        `${r.message.text} at line ${loc.region!.startLine}: ${line}`,
      );
      assert.equal(line.indexOf(name[2] ?? name[1]) + 1, loc.region!.startColumn, 'the column of the name');
    }

    const guards = results.filter((r) => r.ruleId.startsWith('migration-') || r.ruleId.startsWith('applied-'));
    assert.ok(
      guards.some((r) => r.ruleId === 'migration-applied-out-of-order' || r.ruleId === 'migration-same-day-order'),
      guards.map((r) => r.ruleId).join(),
    );
    for (const r of guards) {
      const uri = r.locations?.[0].physicalLocation.artifactLocation.uri ?? '';
      assert.match(uri, /^apps\/api\/prisma\/migrations\/[^/]+\/migration\.sql$/, r.message.text);
      await fs.access(path.join(repo, uri));
      assert.ok(r.locations![0].physicalLocation.region!.startLine >= 1);
    }
    // The levels: drift is a warning (as in the editor), guard rails keep their severity.
    assert.ok(byRule('schema-drift').every((r) => r.level === 'warning'));
    assert.ok(guards.every((r) => ['error', 'warning', 'note'].includes(r.level)));
  });

  it('--format github: one workflow command per finding, the same files and lines as SARIF, no raw newline; same exit code', async () => {
    const sarif = JSON.parse((await cli(['check', '--url', url, '--format', 'sarif'])).stdout) as {
      runs: Array<{ results: SarifResult[] }>;
    };
    const github = await cli(['check', '--url', url, '--format', 'github']);
    assert.equal(github.code, 1, github.stderr);
    const lines = github.stdout.trim().split('\n');
    const results = sarif.runs[0].results;
    assert.equal(lines.length, results.length, github.stdout);
    lines.forEach((line, i) => {
      const r = results[i];
      const loc = r.locations?.[0].physicalLocation;
      const command = { error: 'error', warning: 'warning', note: 'notice' }[r.level];
      assert.ok(
        line.startsWith(
          `::${command} file=${loc?.artifactLocation.uri},line=${loc?.region?.startLine},col=${loc?.region?.startColumn},title=`,
        ),
        line,
      );
      assert.match(line, new RegExp(`\\[${r.ruleId}\\]::`));
      assert.ok(line.endsWith(r.message.text.replace(/%/g, '%25')), line);
    });
  });

  it('keeps --json as it was, and refuses an unknown format or two outputs with one clear line (exit 2)', async () => {
    const json = await cli(['check', '--url', url, '--json']);
    const viaFormat = await cli(['check', '--url', url, '--format', 'json']);
    assert.equal(json.code, 1);
    assert.deepEqual(Object.keys(JSON.parse(json.stdout) as object), [
      'prisma',
      'schemaVsMigrations',
      'databaseVsMigrations',
      'failedMigrations',
      'guardRails',
    ]);
    assert.equal(viaFormat.stdout, json.stdout);
    for (const [args, pattern] of [
      [['--format', 'xml'], /--format xml: expected one of text, json, sarif, github\./],
      [['--json', '--format', 'sarif'], /--json and --format sarif ask for two outputs/],
    ] as const) {
      const run = await cli(['check', ...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, pattern);
      assert.equal(run.stdout, '');
    }
  });
});
