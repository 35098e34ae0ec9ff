import * as path from 'node:path';
import { describeJudgement, judgePrismaVersion } from '../engine/prismaVersion';
import { redactSecrets, redactUrl } from '../util/redact';
import { type PrismaProject, type UrlSource } from './types';

function rel(project: PrismaProject, p: string): string {
  const r = path.relative(project.root, p);
  return r === '' ? '.' : r.split(path.sep).join('/');
}

/** One line describing where a URL comes from, with the value redacted. */
export function describeUrlSource(project: PrismaProject, source: UrlSource | undefined): string {
  if (!source) return 'not set';
  const at = source.declaredIn ? ` (${rel(project, source.declaredIn.file)}:${source.declaredIn.line})` : '';
  switch (source.kind) {
    case 'env':
      return source.value !== undefined
        ? `env("${source.variable}")${at} = ${redactUrl(source.value)} from ${source.valueFrom ?? 'environment'}`
        : `env("${source.variable}")${at} — not set in the environment or .env files`;
    case 'literal':
      return `literal URL in the schema${at}: ${redactUrl(source.value)}`;
    case 'config':
      if (source.value !== undefined) return `${source.expression}${at} = ${redactUrl(source.value)}${source.valueFrom ? ` from ${source.valueFrom}` : ''}`;
      return `${source.expression}${at} — ${source.variable ? `${source.variable} is not set` : 'no value'}`;
    case 'unresolved':
      return `unresolved${at}: ${source.reason}`;
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
      return { ...source, expression: redactSecrets(source.expression), ...(source.value !== undefined ? { value: redactUrl(source.value) } : {}) };
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
  if (v.installed) return `${v.installed} installed${v.declared ? ` (declared ${v.declared})` : ''}`;
  if (v.declared) return `declared ${v.declared} in ${v.declaredIn ?? 'package.json'}, not installed`;
  return 'unknown (no prisma in package.json)';
}

/** A short, readable multi-line summary of one project, as shown in the Output channel and by the CLI. */
export function formatProjectSummary(project: PrismaProject): string {
  const lines: string[] = [];
  lines.push(`Project ${project.name} — ${project.root}`);
  const schemaDesc =
    project.schemaKind === 'folder'
      ? `${rel(project, project.schemaPath)}/ (multi-file, ${project.schemaFiles.length} files)`
      : rel(project, project.schemaPath);
  lines.push(`  Schema:      ${schemaDesc}${project.schemaSource === 'default' ? '' : ` (from ${project.schemaSource})`}`);
  if (project.configFile) lines.push(`  Config:      ${rel(project, project.configFile)}`);
  const pending = project.migrations.filter((m) => !m.hasSql).length;
  lines.push(
    `  Migrations:  ${rel(project, project.migrationsDir)}${project.migrationsDirSource === 'default' ? '' : ` (from ${project.migrationsDirSource})`} — ${
      project.migrationsDirExists ? `${project.migrations.length} migration${project.migrations.length === 1 ? '' : 's'}${pending ? `, ${pending} without migration.sql` : ''}` : 'missing'
    }`,
  );
  if (project.migrations.length > 0) {
    lines.push(`               first ${project.migrations[0].name}, last ${project.migrations[project.migrations.length - 1].name}`);
  }
  lines.push(`  Lock file:   ${project.lockFile ? `provider "${project.lockFile.provider ?? '?'}"` : 'none'}`);
  const ds = project.datasource;
  if (ds) {
    lines.push(`  Datasource:  ${ds.name}, provider "${ds.provider}"${ds.schemas ? `, schemas ${ds.schemas.join(', ')}` : ''}`);
    lines.push(`  URL:         ${describeUrlSource(project, ds.url)}`);
    if (ds.directUrl) lines.push(`  Direct URL:  ${describeUrlSource(project, ds.directUrl)}`);
    if (ds.shadowDatabaseUrl) lines.push(`  Shadow URL:  ${describeUrlSource(project, ds.shadowDatabaseUrl)}`);
  } else {
    lines.push('  Datasource:  none found');
  }
  if (project.envFiles.length > 0) lines.push(`  .env files:  ${project.envFiles.map((f) => rel(project, f)).join(', ')}`);
  lines.push(`  Prisma:      ${versionLine(project)}`);
  const judgement = judgePrismaVersion(project.prismaVersion);
  lines.push(`  Judged as:   ${describeJudgement(judgement)}${judgement.note ? ` — ${judgement.note}` : ''}`);
  for (const p of project.problems) {
    const at = p.location ? ` (${rel(project, p.location.file)}${p.location.line > 1 ? `:${p.location.line}` : ''})` : '';
    lines.push(`  ${p.severity === 'error' ? 'Error' : p.severity === 'warning' ? 'Warning' : 'Note'}: ${p.message}${at}`);
  }
  return lines.join('\n');
}
