/**
 * The PGlite socket server of the demo databases (src/core/engine/pgliteServer.ts) with real `pg` clients:
 * several connections at once never mix their query cycles or transactions, and never deadlock.
 */
import * as assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { Client } from 'pg';
import { PgliteServer } from '../../../src/core/engine/pgliteServer';

describe('PgliteServer', function () {
  this.timeout(60_000);
  let db: PGlite;
  let server: PgliteServer;
  let url: string;
  const clients: Client[] = [];

  async function connect(): Promise<Client> {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  // One instance for the file (initdb takes seconds), a fresh server and table per test.
  before(async function () {
    const { PGlite: PGliteClass } = await import('@electric-sql/pglite');
    db = await PGliteClass.create();
  });

  after(async function () {
    await db.close();
  });

  beforeEach(async function () {
    await db.exec('DROP TABLE IF EXISTS t');
    server = new PgliteServer(db, { idleOwnerTimeoutMs: 1500 });
    const { port } = await server.start();
    url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  });

  afterEach(async function () {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
    await server.stop();
  });

  it('answers parallel parameterised queries from several connections, each with its own result', async function () {
    const connections = [await connect(), await connect(), await connect()];
    // Each connection runs its queries one after the other (as pg wants); the three run at once.
    const perConnection = await Promise.all(
      connections.map(async (client, k) => {
        const results: Array<number | undefined> = [];
        for (let i = k; i < 30; i += 3) {
          results.push((await client.query<{ n: number }>('SELECT $1::int * 2 AS n', [i])).rows[0]?.n);
        }
        return results;
      }),
    );
    const all = Array.from({ length: 30 }, (_, i) => perConnection[i % 3]?.[Math.floor(i / 3)]);
    assert.deepEqual(
      all,
      Array.from({ length: 30 }, (_, i) => i * 2),
    );
  });

  it("runs another connection's query only after a transaction commits", async function () {
    const [a, b] = [await connect(), await connect()];
    await a.query('CREATE TABLE t (x int)');
    await a.query('BEGIN');
    await a.query('INSERT INTO t VALUES (1)');
    const seen = b.query<{ n: string }>('SELECT count(*) AS n FROM t');
    // b's query waits for a's transaction: a goes on meanwhile.
    await a.query('INSERT INTO t VALUES (2)');
    await a.query('COMMIT');
    assert.equal((await seen).rows[0]?.n, '2');
  });

  it('rolls back the transaction of a client that disconnects, and serves the others', async function () {
    const [a, b] = [await connect(), await connect()];
    await a.query('CREATE TABLE t (x int)');
    await a.query('BEGIN');
    await a.query('INSERT INTO t VALUES (1)');
    const seen = b.query<{ n: string }>('SELECT count(*) AS n FROM t');
    await a.end();
    assert.equal((await seen).rows[0]?.n, '0');
  });

  it('cuts a connection that holds a transaction idle while another waits (no deadlock)', async function () {
    const [a, b] = [await connect(), await connect()];
    await a.query('BEGIN');
    const cut = new Promise<Error>((resolve) => a.once('error', resolve));
    const started = Date.now();
    const answer = await b.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(answer.rows[0]?.one, 1);
    assert.ok(Date.now() - started >= 1000);
    assert.match((await cut).message, /held the embedded database's only session/);
    assert.equal(db.isInTransaction(), false);
  });

  it('accepts a new connection while another holds a transaction', async function () {
    const a = await connect();
    await a.query('BEGIN');
    const b = await connect();
    await a.query('COMMIT');
    assert.equal((await b.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
  });
});
