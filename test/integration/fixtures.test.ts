/**
 * The harness's PostgreSQL and sshd are reachable from inside the extension host (their descriptions come
 * through the environment code-server passes on), so later integration tests can use real servers.
 */
import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { POSTGRES_ENV, sharedPostgres } from '../fixtures/postgres';
import { SSHD_ENV, sharedSshd } from '../fixtures/sshd';
import { requireServices } from './helpers/wait';

describe('test fixtures from the extension host', () => {
  before(function () {
    // A desktop run (npm run test:desktop) has no harness around it.
    requireServices(POSTGRES_ENV, SSHD_ENV);
  });

  it('connects to the shared PostgreSQL as the password user', async () => {
    const pg = await sharedPostgres();
    const client = new Client({ connectionString: pg.url({ user: 'password' }) });
    await client.connect();
    try {
      const { rows } = await client.query<{ user: string }>('select current_user as user');
      assert.equal(rows[0]?.user, pg.passwordUser);
    } finally {
      await client.end();
    }
  });

  it('sees the shared sshd description', async () => {
    const sshd = await sharedSshd();
    assert.match(sshd.knownHostsLine, /^\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);
  });
});
