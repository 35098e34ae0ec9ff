/**
 * The environment resolver shared by the editor and the CLI (src/core/app/environments.ts), in plain Node with
 * fake secrets: where the URL comes from, what is said when something is missing, the SSH target's secrets,
 * and the databases the shadow URL check protects.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EnvironmentError,
  environmentDatabases,
  environmentSshTarget,
  type EnvironmentSources,
  resolveEnvironmentUrl,
} from '../../../src/core/app/environments';
import { type EnvironmentSetting, type SecretKind } from '../../../src/core/environments/config';
import { type PrismaProject } from '../../../src/core/project/types';

function sources(
  stored: Partial<Record<SecretKind, string>>,
  env: Record<string, string | undefined> = {},
): EnvironmentSources & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    env,
    missingVariable: (setting, variable, files) => `missing ${setting.name} ${variable} in ${files}`,
    secrets: {
      get: (setting, kind) => {
        asked.push(`${setting.name}:${kind}`);
        return Promise.resolve(stored[kind]);
      },
      missing: (setting, kind) => `no ${kind} for ${setting.name}`,
    },
  };
}

const secretUrl: EnvironmentSetting = { name: 'production', kind: 'production', url: { from: 'secret' } };
const envUrl: EnvironmentSetting = { name: 'staging', kind: 'staging', url: { from: 'env', variable: 'STAGING_URL' } };

describe('environment resolver (core/app)', () => {
  let dir: string;
  let project: PrismaProject;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-resolver-'));
    await fs.writeFile(
      path.join(dir, '.env'),
      'HOST=db.internal\nSTAGING_URL="postgresql://u:p@${HOST}:5432/app"\nBAD_URL=mysql://u@h/db\n',
    );
    project = { root: dir, envFiles: [path.join(dir, '.env')] } as unknown as PrismaProject;
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("reads a secret URL from the front end, and says the front end's message when it is missing", async () => {
    assert.equal(
      await resolveEnvironmentUrl(project, secretUrl, sources({ url: 'postgres://u@h/db' })),
      'postgres://u@h/db',
    );
    await assert.rejects(
      resolveEnvironmentUrl(project, secretUrl, sources({})),
      (e: unknown) =>
        e instanceof EnvironmentError && e.code === 'missing-secret' && e.message === 'no url for production',
    );
  });

  it('takes a variable from the process environment first, then from .env with ${VAR} expanded', async () => {
    assert.equal(
      await resolveEnvironmentUrl(project, envUrl, sources({}, { STAGING_URL: 'postgresql://from@process/db' })),
      'postgresql://from@process/db',
    );
    assert.equal(await resolveEnvironmentUrl(project, envUrl, sources({})), 'postgresql://u:p@db.internal:5432/app');
    const unset: EnvironmentSetting = { ...envUrl, url: { from: 'env', variable: 'NOWHERE' } };
    await assert.rejects(
      resolveEnvironmentUrl(project, unset, sources({})),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.code === 'missing-variable' &&
        e.message === 'missing staging NOWHERE in .env',
    );
  });

  it('refuses a URL that is not postgresql://', async () => {
    const bad: EnvironmentSetting = { ...envUrl, url: { from: 'env', variable: 'BAD_URL' } };
    await assert.rejects(
      resolveEnvironmentUrl(project, bad, sources({})),
      (e: unknown) => e instanceof EnvironmentError && e.code === 'invalid-url',
    );
  });

  it('asks only for the SSH secrets its authentication uses', async () => {
    assert.equal(await environmentSshTarget(envUrl, sources({}).secrets), undefined);
    const password: EnvironmentSetting = { ...envUrl, ssh: { host: 'bastion', user: 'deploy', auth: 'password' } };
    const withPassword = sources({ sshPassword: 'pw', sshPassphrase: 'pp' });
    assert.deepEqual((await environmentSshTarget(password, withPassword.secrets))?.auth, {
      kind: 'password',
      password: 'pw',
    });
    assert.deepEqual(withPassword.asked, ['staging:sshPassword']);
    await assert.rejects(
      environmentSshTarget(password, sources({}).secrets),
      (e: unknown) => e instanceof EnvironmentError && e.message === 'no sshPassword for staging',
    );
    const key: EnvironmentSetting = {
      ...envUrl,
      ssh: { host: 'bastion', user: 'deploy', auth: 'key', keyPath: '~/.ssh/k' },
    };
    assert.deepEqual((await environmentSshTarget(key, sources({ sshPassphrase: 'pp' }).secrets))?.auth, {
      kind: 'key',
      path: '~/.ssh/k',
      passphrase: 'pp',
    });
  });

  it('protects the databases whose URL resolves, and skips the others', async () => {
    const databases = await environmentDatabases(project, [secretUrl, envUrl], sources({}));
    assert.deepEqual(databases, [{ label: 'environment staging', url: 'postgresql://u:p@db.internal:5432/app' }]);
  });
});
