import * as l10n from '@vscode/l10n';
import * as path from 'node:path';
import { describeJudgement, judgePrismaVersion } from './prismaVersion';
import { redactSecrets } from '../util/redact';
import { redactUrl } from '../util/pgUrl';
import { type PrismaProject, type UrlSource } from './types';

function rel(project: PrismaProject, p: string): string {
  const r = path.relative(project.root, p);
  return r === '' ? '.' : r.split(path.sep).join('/');
}

/** Where a URL's value was read, as the summary says it (a .env file's path is said as it is). */
function describeValueFrom(from: string): string {
  if (from === 'environment') return l10n.t('environment');
  if (from === 'process environment') return l10n.t('process environment');
  if (from === 'default in config') return l10n.t('default in config');
  return from;
}

/** One line describing where a URL comes from, with the value redacted. */
export function describeUrlSource(project: PrismaProject, source: UrlSource | undefined): string {
  if (!source) return l10n.t('not set');
  const at = source.declaredIn ? ` (${rel(project, source.declaredIn.file)}:${source.declaredIn.line})` : '';
  switch (source.kind) {
    case 'env':
      return source.value !== undefined
        ? l10n.t(
            '{0} = {1} from {2}',
            `env("${source.variable}")${at}`,
            redactUrl(source.value),
            describeValueFrom(source.valueFrom ?? 'environment'),
          )
        : l10n.t('{0} — not set in the environment or .env files', `env("${source.variable}")${at}`);
    case 'literal':
      return l10n.t('literal URL in the schema{0}: {1}', at, redactUrl(source.value));
    case 'config':
      if (source.value !== undefined) {
        return source.valueFrom
          ? l10n.t(
              '{0} = {1} from {2}',
              `${source.expression}${at}`,
              redactUrl(source.value),
              describeValueFrom(source.valueFrom),
            )
          : `${source.expression}${at} = ${redactUrl(source.value)}`;
      }
      return `${source.expression}${at} — ${source.variable ? l10n.t('{0} is not set', source.variable) : l10n.t('no value')}`;
    case 'unresolved':
      return l10n.t('unresolved{0}: {1}', at, source.reason);
  }
}

function redactedSource(source: UrlSource | undefined): UrlSource | undefined {
  if (!source) return undefined;
  switch (source.kind) {
    case 'env':
      return source.value !== undefined ? { ...source, value: redactUrl(source.value) } : source;
    case 'literal':
      return { ...source, value: redactUrl(source.value) };
    case 'config':
      return {
        ...source,
        expression: redactSecrets(source.expression),
        ...(source.value !== undefined ? { value: redactUrl(source.value) } : {}),
      };
    case 'unresolved':
      return { ...source, reason: redactSecrets(source.reason) };
  }
}

/** The project as it may be shown (`drift-guard projects --json`): every datasource URL with its password masked. */
export function redactedProject(project: PrismaProject): PrismaProject {
  const ds = project.datasource;
  return {
    ...project,
    ...(ds
      ? {
          datasource: {
            ...ds,
            ...(ds.url ? { url: redactedSource(ds.url) } : {}),
            ...(ds.directUrl ? { directUrl: redactedSource(ds.directUrl) } : {}),
            ...(ds.shadowDatabaseUrl ? { shadowDatabaseUrl: redactedSource(ds.shadowDatabaseUrl) } : {}),
          },
        }
      : {}),
    problems: project.problems.map((p) => ({ ...p, message: redactSecrets(p.message) })),
  };
}

function versionLine(project: PrismaProject): string {
  const v = project.prismaVersion;
  if (v.installed) {
    return v.declared
      ? l10n.t('{0} installed (declared {1})', v.installed, v.declared)
      : l10n.t('{0} installed', v.installed);
  }
  if (v.declared) return l10n.t('declared {0} in {1}, not installed', v.declared, v.declaredIn ?? 'package.json');
  return l10n.t('unknown (no prisma in package.json)');
}

/** A short, readable multi-line summary of one project, as shown in the Output channel and by the CLI. */
export function formatProjectSummary(project: PrismaProject): string {
  const labels = {
    schema: l10n.t('Schema:'),
    config: l10n.t('Config:'),
    migrations: l10n.t('Migrations:'),
    lockFile: l10n.t('Lock file:'),
    datasource: l10n.t('Datasource:'),
    url: l10n.t('URL:'),
    directUrl: l10n.t('Direct URL:'),
    shadowUrl: l10n.t('Shadow URL:'),
    envFiles: l10n.t('.env files:'),
    prisma: l10n.t('Prisma:'),
    judgedAs: l10n.t('Judged as:'),
  };
  // Values start in one column (English: 2 + 13), whatever the language's labels.
  const width = Math.max(...Object.values(labels).map((l) => l.length)) + 2;
  const row = (label: string, value: string): string => `  ${label.padEnd(width)}${value}`;
  const from = (source: string): string => (source === 'default' ? '' : l10n.t(' (from {0})', source));
  const lines: string[] = [];
  lines.push(l10n.t('Project {0} — {1}', project.name, project.root));
  const schemaDesc =
    project.schemaKind === 'folder'
      ? l10n.t('{0}/ (multi-file, {1} files)', rel(project, project.schemaPath), project.schemaFiles.length)
      : rel(project, project.schemaPath);
  lines.push(row(labels.schema, `${schemaDesc}${from(project.schemaSource)}`));
  if (project.configFile) lines.push(row(labels.config, rel(project, project.configFile)));
  const pending = project.migrations.filter((m) => !m.hasSql).length;
  const count =
    project.migrations.length === 1 ? l10n.t('1 migration') : l10n.t('{0} migrations', project.migrations.length);
  lines.push(
    row(
      labels.migrations,
      `${rel(project, project.migrationsDir)}${from(project.migrationsDirSource)} — ${
        project.migrationsDirExists
          ? pending
            ? l10n.t('{0}, {1} without migration.sql', count, pending)
            : count
          : l10n.t('missing')
      }`,
    ),
  );
  if (project.migrations.length > 0) {
    lines.push(
      row(
        '',
        l10n.t(
          'first {0}, last {1}',
          project.migrations[0].name,
          project.migrations[project.migrations.length - 1].name,
        ),
      ),
    );
  }
  lines.push(
    row(
      labels.lockFile,
      project.lockFile ? l10n.t('provider "{0}"', project.lockFile.provider ?? '?') : l10n.t('missing'),
    ),
  );
  const ds = project.datasource;
  if (ds) {
    lines.push(
      row(
        labels.datasource,
        ds.schemas
          ? l10n.t('{0}, provider "{1}", schemas {2}', ds.name, ds.provider, ds.schemas.join(', '))
          : l10n.t('{0}, provider "{1}"', ds.name, ds.provider),
      ),
    );
    lines.push(row(labels.url, describeUrlSource(project, ds.url)));
    if (ds.directUrl) lines.push(row(labels.directUrl, describeUrlSource(project, ds.directUrl)));
    if (ds.shadowDatabaseUrl) lines.push(row(labels.shadowUrl, describeUrlSource(project, ds.shadowDatabaseUrl)));
  } else {
    lines.push(row(labels.datasource, l10n.t('none found')));
  }
  if (project.envFiles.length > 0) {
    lines.push(row(labels.envFiles, project.envFiles.map((f) => rel(project, f)).join(', ')));
  }
  lines.push(row(labels.prisma, versionLine(project)));
  const judgement = judgePrismaVersion(project.prismaVersion);
  lines.push(row(labels.judgedAs, `${describeJudgement(judgement)}${judgement.note ? ` — ${judgement.note}` : ''}`));
  for (const p of project.problems) {
    const at = p.location
      ? ` (${rel(project, p.location.file)}${p.location.line > 1 ? `:${p.location.line}` : ''})`
      : '';
    const text = `${p.message}${at}`;
    lines.push(
      `  ${p.severity === 'error' ? l10n.t('Error: {0}', text) : p.severity === 'warning' ? l10n.t('Warning: {0}', text) : l10n.t('Note: {0}', text)}`,
    );
  }
  return lines.join('\n');
}
