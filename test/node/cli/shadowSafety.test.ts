import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { loadProject } from '../../../src/core/project/discovery';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { copyFixture, testCacheDir } from '../../fixtures/engineProjects';

/** `drift-guard check --shadow-url`: a shadow that is a database someone cares about is refused before any statement. */
describe('drift-guard check --shadow-url safety (bundled CLI, real PostgreSQL)', function () {
  this.timeout(180_000);
  let pg: PostgresFixture;
  let cacheDir = '';
  let counter = 0;
  const cleanup: string[] = [];
  const newDatabase = async (label: string): Promise<{ name: string; url: string }> => {
    const name = `cli_shadow_${label}_${process.pid}_${counter++}`;
    return { name, url: await pg.createDatabase(name) };
  };
  const cli = (args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> =>
    runCli(args, cwd, { DRIFT_GUARD_CACHE_DIR: cacheDir, ...env });
  const sql = async (query: string, database: string): Promise<string> => (await pg.psql(query, database)).trim();

  /** A copy of the blog fixture deployed to a new database that then holds a row. */
  async function deployedBlog(): Promise<{ dir: string; db: { name: string; url: string } }> {
    const dir = copyFixture('blog-multifile');
    cleanup.push(dir);
    const db = await newDatabase('main');
    const session = new EngineOperations({ cacheDir: testCacheDir() });
    try {
      await session.deploy(await loadProject(dir), db.url);
    } finally {
      await session.dispose();
    }
    await pg.psql("INSERT INTO authors (name) VALUES ('Ada')", db.name);
    return { dir, db };
  }

  function assertRefused(run: CliRun, pattern: RegExp): void {
    assert.equal(run.code, 2, `exit 2 expected, got ${run.code}: ${run.stdout}${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], pattern);
    assert.equal(run.stdout, '');
  }

  before(async () => {
    requireCliBundle();
    pg = await sharedPostgres();
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-cli-shadow-cache-'));
    cleanup.push(cacheDir);
  });
  after(async () => {
    for (const dir of cleanup) await fs.rm(dir, { recursive: true, force: true });
  });

  it('check --url X --shadow-url X exits 2 naming both URLs (redacted) and X keeps every row and its history', async () => {
    const { dir, db } = await deployedBlog();
    const withPassword = pg.url({ database: db.name, user: 'password' });
    await pg.psql(`GRANT ALL ON DATABASE "${db.name}" TO ${pg.passwordUser}`);
    const run = await cli(
      ['check', '--url', db.url, '--shadow-url', withPassword.replace('127.0.0.1', 'localhost')],
      dir,
    );
    assertRefused(
      run,
      /^drift-guard: The shadow database postgresql:\/\/drift_app:\*\*\*\*@localhost:\d+\/cli_shadow_main_\S+ is the checked database \(postgresql:\/\/postgres@127\.0\.0\.1:\d+\/cli_shadow_main_\S+\)/,
    );
    assert.doesNotMatch(run.stderr, new RegExp(pg.password));
    assert.equal(await sql('SELECT count(*) FROM authors', db.name), '1');
    assert.equal(await sql('SELECT count(*) FROM _prisma_migrations', db.name), '1');
  });

  it('a --shadow-url equal to the datasource URL (from DATABASE_URL) is refused too, without --url', async () => {
    const { dir, db } = await deployedBlog();
    const run = await cli(['check', '--shadow-url', db.url.replace('127.0.0.1', '[::1]')], dir, {
      DATABASE_URL: db.url,
    });
    assertRefused(run, /is the checked database|is the datasource url/);
    assert.equal(await sql('SELECT count(*) FROM authors', db.name), '1');
  });

  it('a --shadow-url equal to a configured environment is refused', async () => {
    const { dir, db } = await deployedBlog();
    await fs.mkdir(path.join(dir, '.vscode'));
    await fs.writeFile(
      path.join(dir, '.vscode', 'settings.json'),
      JSON.stringify({
        'driftGuard.environments': [
          { name: 'staging', kind: 'staging', url: { from: 'env', variable: 'STAGING_URL' } },
        ],
      }),
    );
    const run = await cli(['check', '--shadow-url', db.url], dir, { STAGING_URL: db.url });
    assertRefused(run, /is environment staging/);
    assert.equal(await sql('SELECT count(*) FROM authors', db.name), '1');
  });

  it('a shadow holding a user table is refused; a fresh empty one is accepted and reused', async () => {
    const { dir } = await deployedBlog();
    const foreign = await newDatabase('foreign');
    await pg.psql('CREATE TABLE invoices (id int); INSERT INTO invoices VALUES (42);', foreign.name);
    assertRefused(
      await cli(['check', '--shadow-url', foreign.url], dir),
      /holds objects drift-guard did not create \(public\.invoices \(table\)\)/,
    );
    assert.equal(await sql('SELECT id FROM invoices', foreign.name), '42');

    const fresh = await newDatabase('fresh');
    for (let run = 0; run < 2; run++) {
      const check = await cli(['check', '--shadow-url', fresh.url], dir);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /Schema matches migrations/);
    }
  });
});
