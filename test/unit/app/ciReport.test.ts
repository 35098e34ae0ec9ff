import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  type CiFinding,
  RULES,
  escapeData,
  escapeProperty,
  levelOf,
  toGithubCommands,
  toSarif,
} from '../../../src/core/app/ciReport';
import { validateSarif } from '../../fixtures/sarif';

const ROOT = path.resolve('/repo');

const FINDINGS: CiFinding[] = [
  {
    ruleId: 'schema-drift',
    level: 'warning',
    title: 'Schema drift: User.activatedAt',
    message: '`User.activatedAt` (column users.activatedAt) is not created by any migration',
    file: path.join(ROOT, 'apps/api/prisma/schema.prisma'),
    line: 140,
    column: 3,
  },
  {
    ruleId: 'migration-date-only',
    level: 'note',
    title: '20260214_fix, with a comma',
    message: '100% sure:\r\nsecond line, third: part',
    file: path.join(ROOT, 'apps/api/prisma/migrations/20260214_fix/migration.sql'),
    line: 1,
    column: 1,
  },
  { ruleId: 'applied-migration-deleted', level: 'error', title: 'gone', message: 'no file left' },
];

describe('CI report formats (SARIF 2.1.0, GitHub workflow commands)', () => {
  it('writes a SARIF log the SARIF 2.1.0 schema accepts, with rules = the diagnostic codes and repo-relative locations', () => {
    const log = toSarif(FINDINGS, { root: ROOT, version: '0.1.0' });
    assert.deepEqual(validateSarif(log), []);
    const run = (log as { runs: Array<Record<string, unknown>> }).runs[0] as {
      tool: {
        driver: {
          name: string;
          version: string;
          informationUri: string;
          rules: Array<{ id: string; helpUri: string; shortDescription: { text: string } }>;
        };
      };
      results: Array<{
        ruleId: string;
        ruleIndex: number;
        level: string;
        message: { text: string };
        locations?: Array<{
          physicalLocation: {
            artifactLocation: { uri: string; uriBaseId: string };
            region: { startLine: number; startColumn: number };
          };
        }>;
      }>;
    };
    assert.equal(run.tool.driver.name, 'drift-guard');
    assert.equal(run.tool.driver.version, '0.1.0');
    assert.match(run.tool.driver.informationUri, /^https:\/\//);
    const ids = run.tool.driver.rules.map((r) => r.id);
    for (const code of [
      'schema-drift',
      'database-drift',
      'drift-check-failed',
      'applied-migration-edited',
      'migration-same-day-order',
      'migration-commit-undocumented',
    ]) {
      assert.ok(ids.includes(code), code);
    }
    for (const rule of run.tool.driver.rules) {
      assert.ok(rule.helpUri.endsWith(`#${rule.id}`), rule.helpUri);
      assert.ok(rule.shortDescription.text.length > 10, rule.id);
    }
    assert.equal(run.results.length, 3);
    const [drift, note, deleted] = run.results;
    assert.equal(run.tool.driver.rules[drift.ruleIndex].id, 'schema-drift');
    assert.deepEqual(drift.locations?.[0].physicalLocation, {
      artifactLocation: { uri: 'apps/api/prisma/schema.prisma', uriBaseId: '%SRCROOT%' },
      region: { startLine: 140, startColumn: 3 },
    });
    assert.equal(note.level, 'note');
    assert.equal(note.message.text, '100% sure:\r\nsecond line, third: part');
    assert.equal(deleted.level, 'error');
    assert.equal(deleted.locations, undefined);
  });

  it('the schema check can fail: a result without a message, a bad level or a column 0 is rejected', () => {
    const log = toSarif(FINDINGS.slice(0, 1), { root: ROOT, version: '0.1.0' }) as {
      runs: Array<{ results: Array<Record<string, unknown>> }>;
    };
    const result = log.runs[0].results[0];
    const broken = [
      { ...result, message: undefined },
      { ...result, level: 'warn' },
      {
        ...result,
        locations: [{ physicalLocation: { artifactLocation: { uri: 'a' }, region: { startLine: 1, startColumn: 0 } } }],
      },
    ];
    for (const b of broken) {
      const copy = JSON.parse(JSON.stringify(log)) as typeof log;
      copy.runs[0].results = [JSON.parse(JSON.stringify(b)) as Record<string, unknown>];
      assert.notDeepEqual(validateSarif(copy), [], JSON.stringify(b));
    }
  });

  it('writes GitHub workflow commands with GitHub escaping (%, CR, LF in messages; also : and , in properties)', () => {
    const lines = toGithubCommands(FINDINGS, ROOT);
    assert.deepEqual(lines, [
      '::warning file=apps/api/prisma/schema.prisma,line=140,col=3,title=Schema drift%3A User.activatedAt [schema-drift]::`User.activatedAt` (column users.activatedAt) is not created by any migration',
      '::notice file=apps/api/prisma/migrations/20260214_fix/migration.sql,line=1,col=1,title=20260214_fix%2C with a comma [migration-date-only]::100%25 sure:%0D%0Asecond line, third: part',
      '::error title=gone [applied-migration-deleted]::no file left',
    ]);
    for (const line of lines) assert.doesNotMatch(line, /[\r\n]/);
  });

  it('escapes as GitHub does', () => {
    assert.equal(escapeData('a%b\rc\nd:e,f'), 'a%25b%0Dc%0Ad:e,f');
    assert.equal(escapeProperty('a%b\rc\nd:e,f'), 'a%25b%0Dc%0Ad%3Ae%2Cf');
    // `%` first: an already-escaped sequence is escaped again, not decoded.
    assert.equal(escapeProperty('%3A'), '%253A');
  });

  it('maps guard-rail severities to SARIF levels, and every rule id is unique', () => {
    assert.deepEqual([levelOf('error'), levelOf('warning'), levelOf('info')], ['error', 'warning', 'note']);
    assert.equal(new Set(RULES.map((r) => r.id)).size, RULES.length);
  });
});
