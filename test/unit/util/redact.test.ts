import * as assert from 'node:assert/strict';
import { redactSecrets } from '../../../src/core/util/redact';

describe('redactSecrets', () => {
  it('masks the password of every URL, keeping user, host and database', () => {
    assert.equal(
      redactSecrets('DATABASE_URL=postgresql://app:s3cr%40t@db.internal:5432/shop npx prisma db push'),
      'DATABASE_URL=postgresql://app:****@db.internal:5432/shop npx prisma db push',
    );
    assert.equal(
      redactSecrets(`npx prisma migrate reset --url "postgres://u:p'w@h/d" --force`),
      `npx prisma migrate reset --url "postgres://u:****@h/d" --force`,
    );
    assert.equal(
      redactSecrets('psql postgresql://a:1@h/x postgresql://b:2@k/y'),
      'psql postgresql://a:****@h/x postgresql://b:****@k/y',
    );
  });

  it('masks variables and options named like secrets', () => {
    assert.equal(redactSecrets('PGPASSWORD=hunter2 npx prisma db push'), 'PGPASSWORD=**** npx prisma db push');
    assert.equal(
      redactSecrets(`DB_PASSWORD='a b c' API_TOKEN="x\\"y" npm run db:push`),
      'DB_PASSWORD=**** API_TOKEN=**** npm run db:push',
    );
    assert.equal(redactSecrets('tool --password hunter2 --token=abc run'), 'tool --password **** --token=**** run');
  });

  it('leaves text without secrets as it is', () => {
    for (const text of [
      'npx prisma db push',
      'postgresql://app@db/shop',
      'PGHOST=db PGPORT=5432 npx prisma migrate deploy',
      'echo a:b@c',
    ]) {
      assert.equal(redactSecrets(text), text);
    }
  });
});
