import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import pg from 'pg';
import {
  PgUrlError,
  databaseAddress,
  describePgUrl,
  parsePostgresUrl,
  redactUrl,
  sameDatabase,
  tryParsePostgresUrl,
  withDatabase,
  withHostPort,
  withoutParams,
} from '../../../src/core/util/pgUrl';

interface Row {
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  schema?: string;
  sslmode?: string;
  /** `host:port/database` of {@link describePgUrl}. */
  described: string;
}

// Odd but valid URLs, with what a connection made from them would use.
const table: Row[] = [
  {
    url: 'postgresql://app:s3cret@db.example.com:6543/shop?schema=billing',
    host: 'db.example.com',
    port: 6543,
    database: 'shop',
    user: 'app',
    password: 's3cret',
    schema: 'billing',
    described: 'db.example.com:6543/shop',
  },
  {
    url: 'postgres://app:s3cret@db.example.com/shop',
    host: 'db.example.com',
    port: 5432,
    database: 'shop',
    user: 'app',
    password: 's3cret',
    described: 'db.example.com:5432/shop',
  },
  {
    url: 'postgresql://app:p%40ss%3Aw%2Frd@db/shop',
    host: 'db',
    port: 5432,
    database: 'shop',
    user: 'app',
    password: 'p@ss:w/rd',
    described: 'db:5432/shop',
  },
  {
    url: 'postgresql://app:pw@[::1]:5433/shop',
    host: '::1',
    port: 5433,
    database: 'shop',
    user: 'app',
    password: 'pw',
    described: '[::1]:5433/shop',
  },
  {
    url: 'postgresql://app:pw@[2001:db8::7]/shop',
    host: '2001:db8::7',
    port: 5432,
    database: 'shop',
    user: 'app',
    password: 'pw',
    described: '[2001:db8::7]:5432/shop',
  },
  {
    url: 'postgresql://app@/shop?host=/var/run/postgresql',
    host: '/var/run/postgresql',
    port: 5432,
    database: 'shop',
    user: 'app',
    described: '/var/run/postgresql:5432/shop',
  },
  {
    url: 'postgresql://app@%2Fvar%2Frun%2Fpostgresql/shop',
    host: '/var/run/postgresql',
    port: 5432,
    database: 'shop',
    user: 'app',
    described: '/var/run/postgresql:5432/shop',
  },
  {
    url: 'postgresql://app@db.example.com',
    host: 'db.example.com',
    port: 5432,
    database: 'app',
    user: 'app',
    described: 'db.example.com:5432/app',
  },
  {
    url: 'postgresql://db.example.com',
    host: 'db.example.com',
    port: 5432,
    database: '',
    user: '',
    described: 'db.example.com:5432/(default database)',
  },
  {
    url: 'postgresql:///shop',
    host: 'localhost',
    port: 5432,
    database: 'shop',
    user: '',
    described: 'localhost:5432/shop',
  },
  {
    url: 'postgresql://app:pw@DB.Example.com/Shop',
    host: 'DB.Example.com',
    port: 5432,
    database: 'Shop',
    user: 'app',
    password: 'pw',
    described: 'DB.Example.com:5432/Shop',
  },
  {
    url: '  postgresql://app:pw@db/shop%20two?sslmode=require&sslrootcert=/nonexistent/ca.pem  ',
    host: 'db',
    port: 5432,
    database: 'shop two',
    user: 'app',
    password: 'pw',
    sslmode: 'require',
    described: 'db:5432/shop two',
  },
];

describe('pgUrl: one reader of PostgreSQL URLs', () => {
  for (const row of table) {
    it(`reads ${row.url.trim()} as pg connects to it`, () => {
      const parsed = parsePostgresUrl(row.url);
      assert.equal(parsed.host, row.host);
      assert.equal(parsed.port, row.port);
      assert.equal(parsed.database, row.database);
      assert.equal(parsed.user, row.user);
      assert.equal(parsed.password, row.password);
      assert.equal(parsed.schema, row.schema ?? 'public');
      assert.equal(parsed.sslmode, row.sslmode);
      assert.equal(describePgUrl(row.url), row.described);
      // Differential: pg's own configuration from the same URL (where pg reads no certificate file).
      if (!/sslrootcert/.test(row.url)) {
        const client = new pg.Client({ connectionString: row.url.trim() });
        const config = client as unknown as { host: string; port: number; user: string; database: string };
        assert.equal(config.port, row.port);
        if (parsed.host !== 'localhost') assert.equal(config.host, row.host);
        if (row.user) assert.deepEqual([config.user, config.database], [row.user, row.database]);
      }
      const redacted = redactUrl(row.url);
      if (row.password) {
        assert.ok(!redacted.includes(row.password) && !redacted.includes(encodeURIComponent(row.password)), redacted);
      }
    });
  }

  it('invalid URLs: a clear error that never repeats the URL or its password', () => {
    for (const url of [
      'postgresql://app:hunter2@db:99999/shop',
      'postgresql://app:hunter2@db:port/shop',
      'hunter2',
      'postgresql:hunter2@db/shop',
      '',
    ]) {
      assert.throws(
        () => parsePostgresUrl(url),
        (error: unknown) =>
          error instanceof PgUrlError &&
          error.problem === 'invalid' &&
          !error.message.includes('hunter2') &&
          /expected postgresql:\/\//.test(error.message),
        url,
      );
      assert.equal(tryParsePostgresUrl(url), undefined);
      assert.equal(describePgUrl(url), '(unparseable URL)');
    }
    assert.throws(
      () => parsePostgresUrl('mysql://root:hunter2@localhost/shop'),
      (error: unknown) =>
        error instanceof PgUrlError &&
        error.problem === 'not-postgres' &&
        error.message.includes('"mysql://"') &&
        !error.message.includes('hunter2'),
    );
  });

  it('redacts every password, in the URL or its parameters, WHATWG-parsable or not', () => {
    assert.equal(
      redactUrl('postgresql://app:s%40cret@db:5432/shop?schema=x'),
      'postgresql://app:****@db:5432/shop?schema=x',
    );
    assert.equal(
      redactUrl('postgresql://app@db/shop?password=hunter2&sslpassword=x'),
      'postgresql://app@db/shop?password=****&sslpassword=****',
    );
    assert.doesNotMatch(redactUrl('postgresql://app:hunter2@/shop?host=/var/run/postgresql'), /hunter2/);
    assert.doesNotMatch(redactUrl('postgresql://app:hunter2@db:99999/shop'), /hunter2/);
    assert.equal(redactUrl('postgresql://app@db/shop'), 'postgresql://app@db/shop');
  });

  it('sameDatabase: every name of this machine, the default port and the case of the host are one; the rest tells apart', () => {
    const here = [
      'localhost',
      '127.0.0.1',
      '127.0.1.1',
      '[::1]',
      '[0:0:0:0:0:0:0:1]',
      '[::ffff:127.0.0.1]',
      '0.0.0.0',
      'LOCALHOST',
      'localhost.',
      os.hostname(),
    ];
    for (const host of here) {
      assert.ok(sameDatabase(`postgresql://u:p@${host}:5432/app`, 'postgres://other:x@127.0.0.1/app'), host);
    }
    assert.ok(
      sameDatabase('postgresql://u@/app?host=/var/run/postgresql', 'postgresql://u@localhost/app'),
      'unix socket',
    );
    assert.ok(
      sameDatabase('postgresql://u@ignored:5432/app?host=/tmp', 'postgresql://u@localhost/app'),
      'host= parameter wins',
    );
    assert.ok(
      sameDatabase(
        'postgresql://a:1@DB.example.com/app?schema=x&sslmode=require',
        'postgres://b:2@db.example.com:5432/app',
      ),
    );
    assert.ok(sameDatabase('postgresql://app@localhost', 'postgresql://x@localhost/app'), 'no database: the user name');
    assert.ok(!sameDatabase('postgresql://u@localhost:5433/app', 'postgresql://u@localhost/app'));
    assert.ok(
      !sameDatabase('postgresql://u@localhost/App', 'postgresql://u@localhost/app'),
      'database names are case-sensitive',
    );
    assert.ok(!sameDatabase('postgresql://u@db1.example.com/app', 'postgresql://u@db2.example.com/app'));
    assert.ok(!sameDatabase('not a url', 'not a url'), 'unparseable URLs designate nothing');
    assert.equal(databaseAddress('postgresql://u@[::ffff:127.0.0.1]/x')?.host, 'loopback');
  });

  it('rewrites a URL: another database, another host:port, parameters dropped', () => {
    assert.equal(
      withDatabase('postgresql://app:s%40cret@db:5433/shop?schema=x', 'shop shadow'),
      'postgresql://app:s%40cret@db:5433/shop%20shadow?schema=x',
    );
    assert.equal(
      withHostPort('postgresql://app:pw@db:5435/shop?schema=public&host=/tmp', '127.0.0.1', 40123),
      'postgresql://app:pw@127.0.0.1:40123/shop?schema=public',
    );
    assert.equal(
      withHostPort('postgresql://app:pw@/shop?host=/tmp', '::1', 5432),
      'postgresql://app:pw@[::1]:5432/shop',
    );
    assert.equal(
      withoutParams(
        'postgresql://app@/shop?host=/tmp&schema=x&connection_limit=3',
        (k) => k === 'schema' || k === 'connection_limit',
      ),
      'postgresql://app@/shop?host=/tmp',
    );
    assert.equal(
      withoutParams('postgresql://app@db/shop?schema=x', (k) => k === 'schema'),
      'postgresql://app@db/shop',
    );
  });
});
