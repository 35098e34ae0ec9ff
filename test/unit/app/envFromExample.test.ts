import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEnvFromExample, datasourceVariables } from '../../../src/core/app/envFromExample';
import { type DatasourceInfo } from '../../../src/core/project/types';

const AT = { file: 'schema.prisma', line: 7, character: 9 };

function datasource(variable: string): DatasourceInfo {
  return {
    name: 'db',
    provider: 'postgresql',
    providerLocation: AT,
    blockLocation: AT,
    url: { kind: 'env', variable, declaredIn: AT },
  };
}

describe('createEnvFromExample (core/app)', function () {
  let root = '';

  beforeEach(async function () {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'dg-env-example-'));
  });

  afterEach(async function () {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('copies .env.example to .env and lists what to fill in: the datasource variable first, then the placeholders', async function () {
    const example =
      '# copy to .env\nNEXTAUTH_SECRET="change-me"\nDATABASE_URL="postgresql://app:change-me@127.0.0.1:5432/app"\nPORT=3000\nOPENAI_API_KEY=""\n';
    await fs.writeFile(path.join(root, '.env.example'), example);
    const result = await createEnvFromExample({ root, datasource: datasource('DATABASE_URL') });
    assert.equal(result.status, 'created');
    assert.equal(await fs.readFile(path.join(root, '.env'), 'utf8'), example);
    assert.ok(result.status === 'created');
    assert.deepEqual(
      result.toFill.map((v) => [v.name, v.line, v.datasource]),
      [
        ['DATABASE_URL', 3, true],
        ['NEXTAUTH_SECRET', 2, false],
        ['OPENAI_API_KEY', 5, false],
      ],
    );
  });

  it('never overwrites an existing .env', async function () {
    await fs.writeFile(path.join(root, '.env.example'), 'DATABASE_URL=""\n');
    await fs.writeFile(path.join(root, '.env'), 'DATABASE_URL="postgresql://mine"\n');
    const result = await createEnvFromExample({ root, datasource: datasource('DATABASE_URL') });
    assert.equal(result.status, 'exists');
    assert.equal(await fs.readFile(path.join(root, '.env'), 'utf8'), 'DATABASE_URL="postgresql://mine"\n');
  });

  it('says so when there is no .env.example, and creates nothing', async function () {
    const result = await createEnvFromExample({ root, datasource: datasource('DATABASE_URL') });
    assert.equal(result.status, 'noExample');
    assert.deepEqual(await fs.readdir(root), []);
  });

  it('names the datasource variable even when the example lacks it', async function () {
    await fs.writeFile(path.join(root, '.env.example'), 'PORT=3000\n');
    const result = await createEnvFromExample({ root, datasource: datasource('PG_URL') });
    assert.ok(result.status === 'created');
    assert.deepEqual(result.toFill, [{ name: 'PG_URL', line: 0, datasource: true, placeholder: true }]);
  });

  it('reads the variables of url and directUrl, from the schema or prisma.config.ts', function () {
    assert.deepEqual(
      datasourceVariables({
        datasource: {
          ...datasource('DATABASE_URL'),
          directUrl: { kind: 'config', variable: 'DIRECT_URL', declaredIn: AT, expression: "env('DIRECT_URL')" },
        },
      }),
      ['DATABASE_URL', 'DIRECT_URL'],
    );
    assert.deepEqual(datasourceVariables({}), []);
  });
});
