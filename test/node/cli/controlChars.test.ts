/**
 * Text read from a database never reaches the terminal with control characters: a `_prisma_migrations` row whose
 * name and logs carry an OSC title change, a screen clear and a carriage return faking a line is printed clean
 * by the bundled CLI (text and JSON), against a real PostgreSQL.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineOperations } from '../../../src/core/app/engineOperations';
import { loadProject } from '../../../src/core/project/discovery';
import { safeText } from '../../../src/core/util/controlChars';
import { type CliRun, requireCliBundle, runCli } from '../../fixtures/cli';
import { type PostgresFixture, sharedPostgres } from '../../fixtures/postgres';
import { copyFixture, testCacheDir } from '../../fixtures/engineProjects';

/** Every control character but line feed and tab (C0, DEL, C1). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\x1b[H\rAll migrations applied \x9b31m\x00';

describe('control characters from the database (bundled CLI, real PostgreSQL)', function () {
  this.timeout(180_000);
  let pg: PostgresFixture;
  let cacheDir = '';
  let dir = '';
  let url = '';
  const cli = (args: string[]): Promise<CliRun> => runCli(args, dir, { DRIFT_GUARD_CACHE_DIR: cacheDir });

  before(async () => {
    requireCliBundle();
    pg = await sharedPostgres();
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-cli-ctrl-cache-'));
    dir = copyFixture('blog-multifile');
    const name = `cli_control_chars_${process.pid}`;
    await pg.dropDatabase(name);
    url = await pg.createDatabase(name);
    const session = new EngineOperations({ cacheDir: testCacheDir() });
    try {
      await session.deploy(await loadProject(dir), url);
    } finally {
      await session.dispose();
    }
    // psql's E'' strings carry the escapes; the row is a failed migration missing locally (shown with its logs).
    const e = (s: string): string =>
      `E'${[...s]
        .map((c) =>
          c.charCodeAt(0) < 0x20 || c.charCodeAt(0) >= 0x7f
            ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
            : c === "'"
              ? "''"
              : c,
        )
        .join('')
        .replace('\\u0000', '')}'`;
    await pg.psql(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES ('b9c5e1c2-0000-4000-8000-0000000000cc', 'abc', ${e(`20250301000000_evil${HOSTILE}`)}, ${e(`ERROR: boom ${HOSTILE}\nsecond line`)}, now(), 0)`,
      name,
    );
    const logs = await pg.psql(
      `SELECT logs FROM _prisma_migrations WHERE id = 'b9c5e1c2-0000-4000-8000-0000000000cc'`,
      name,
    );
    assert.ok(logs.includes('\u001b]0;pwned'), 'the row holds the raw escape sequence');
  });
  after(async () => {
    await fs.rm(cacheDir, { recursive: true, force: true });
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('status and check print the row without a single control character (text and JSON)', async () => {
    for (const args of [
      ['status', '--url', url],
      ['status', '--url', url, '--json'],
      ['check', '--url', url],
      ['check', '--url', url, '--json'],
    ]) {
      const run = await cli(args);
      assert.ok(run.code === 1, `${args.join(' ')}: exit ${run.code}: ${run.stderr}`);
      const output = run.stdout + run.stderr;
      assert.match(output, /20250301000000_evil/, args.join(' '));
      assert.doesNotMatch(output, CONTROL, `${args.join(' ')} printed a control character:\n${JSON.stringify(output)}`);
      // Text: the sequences are gone whole. JSON: JSON.stringify wrote them as \u001b escapes (plain text).
      if (args.includes('--json')) assert.ok(run.stdout.includes('\\u001b]0;pwned\\u0007'), run.stdout);
      else assert.doesNotMatch(output, /\]0;pwned|\[2J/, 'no remains of the escape sequences');
    }
    const text = await cli(['status', '--url', url]);
    assert.match(text.stdout, /ERROR: boom/);
  });

  it('safeText: removes whole escape sequences, keeps line feeds and tabs, marks other controls', () => {
    assert.equal(safeText('a\x1b]0;t\x07b\x1b[2Jc\x1b[31md\te\r\nf\rg\x00h\x9b1mi'), 'abcd\te\nf\uFFFDg\uFFFDhi');
    assert.equal(safeText('plain text, é — ✓'), 'plain text, é — ✓');
  });
});
