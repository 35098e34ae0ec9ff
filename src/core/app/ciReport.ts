/**
 * `drift-guard check` in the formats CI systems read: SARIF 2.1.0 (GitHub code scanning, Azure DevOps, GitLab…)
 * and GitHub Actions workflow commands (`::warning file=…,line=…::message`, annotations on the pull request).
 * Plain data in, plain text out: the CLI gathers the findings, this module only shapes them.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type GuardCode, type GuardSeverity } from '../guards/guardFindings';
import { type ReviewRuleId } from '../review/reviewFindings';

/** The README of the project: each diagnostic code has a section, `#<code>`. */
export const README_URL = 'https://github.com/prisma-drift-guard/prisma-drift-guard';

/** The drift codes (the editor's diagnostics) and `migration-failed` (a row `migrate deploy` stops on). */
export type DriftCode = 'schema-drift' | 'database-drift' | 'drift-check-failed' | 'migration-failed';

export type RuleId = DriftCode | GuardCode;

/** Every code a finding can carry, with the one line SARIF viewers show as the rule's description. */
export const RULES: ReadonlyArray<{ id: RuleId; shortDescription: string }> = [
  {
    id: 'schema-drift',
    shortDescription: 'The schema declares something the migrations do not create (or the reverse).',
  },
  { id: 'database-drift', shortDescription: 'A database differs from what its applied migrations create.' },
  {
    id: 'drift-check-failed',
    shortDescription:
      'The drift check could not run (schema rejected, migration failing on the shadow, database unreachable).',
  },
  {
    id: 'migration-failed',
    shortDescription: 'A migration is recorded as failed in _prisma_migrations: migrate deploy stops on it (P3009).',
  },
  { id: 'applied-migration-edited', shortDescription: 'A migration recorded as applied was edited.' },
  { id: 'applied-migration-deleted', shortDescription: 'A migration recorded as applied was deleted.' },
  {
    id: 'migration-same-day-order',
    shortDescription: 'Same-day migrations were applied or written in another order than their names sort in.',
  },
  {
    id: 'migration-applied-out-of-order',
    shortDescription: 'A migration was applied after one whose name sorts after it.',
  },
  {
    id: 'migration-depends-on-later',
    shortDescription: 'A migration uses a table or type that only a later-sorting migration creates.',
  },
  { id: 'migration-date-only', shortDescription: 'A migration name has a date but no time of day.' },
  { id: 'migration-duplicate-timestamp', shortDescription: 'Two migration folders share a timestamp.' },
  { id: 'migration-commits-midway', shortDescription: 'A migration has an explicit COMMIT before other statements.' },
  {
    id: 'migration-commit-undocumented',
    shortDescription: 'The commit that added the migration does not describe it (team rule 4).',
  },
  { id: 'migration-name-no-timestamp', shortDescription: 'A migration name has no timestamp prefix.' },
  { id: 'migration-name-meaningless', shortDescription: 'A migration name says nothing about the change.' },
  {
    id: 'guard-input-unavailable',
    shortDescription: 'A migration.sql or git could not be read: the guard rails that need it could not run.',
  },
];

/** SARIF's levels; GitHub's commands are `error`, `warning` and `notice`. */
export type CiLevel = 'error' | 'warning' | 'note';

export function levelOf(severity: GuardSeverity): CiLevel {
  return severity === 'info' ? 'note' : severity;
}

/** One finding as CI shows it. */
export interface CiFinding {
  ruleId: RuleId | ReviewRuleId;
  level: CiLevel;
  /** A short title (GitHub shows it above the annotation). */
  title: string;
  /** One or two sentences. */
  message: string;
  /** Absolute path of the file the finding is shown on. */
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
}

/** The path of `file` relative to `root` with forward slashes, or undefined when it is outside `root`. */
export function repoRelative(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/**
 * SARIF 2.1.0 log of `findings`; artifact URIs are relative to `root` (the repository's top folder), as code scanning
 * wants. `rules` describes the rule ids (default: check's {@link RULES}).
 */
export function toSarif(
  findings: readonly CiFinding[],
  options: {
    root: string;
    version: string;
    rules?: ReadonlyArray<{ id: CiFinding['ruleId']; shortDescription: string }>;
  },
): Record<string, unknown> {
  const rules = options.rules ?? RULES;
  const ruleIndex = new Map<string, number>(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'drift-guard',
            version: options.version,
            informationUri: README_URL,
            rules: rules.map((r) => ({
              id: r.id,
              shortDescription: { text: r.shortDescription },
              helpUri: `${README_URL}#${r.id}`,
            })),
          },
        },
        originalUriBaseIds: {
          '%SRCROOT%': {
            uri: pathToFileURL(options.root.endsWith(path.sep) ? options.root : `${options.root}${path.sep}`).href,
          },
        },
        results: findings.map((f) => {
          const uri = f.file ? repoRelative(options.root, f.file) : undefined;
          const region: Record<string, number> = {};
          if (f.line !== undefined) region.startLine = Math.max(1, f.line);
          if (f.line !== undefined && f.column !== undefined) region.startColumn = Math.max(1, f.column);
          return {
            ruleId: f.ruleId,
            ruleIndex: ruleIndex.get(f.ruleId),
            level: f.level,
            message: { text: f.message },
            ...(uri
              ? {
                  locations: [
                    {
                      physicalLocation: {
                        artifactLocation: { uri: encodeURI(uri), uriBaseId: '%SRCROOT%' },
                        ...(Object.keys(region).length > 0 ? { region } : {}),
                      },
                    },
                  ],
                }
              : {}),
          };
        }),
      },
    ],
  };
}

/** A workflow command's message: `%`, CR and LF escaped (GitHub's `escapeData`). */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value: also `:` and `,`, which end a property (GitHub's `escapeProperty`). */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const COMMAND: Record<CiLevel, string> = { error: 'error', warning: 'warning', note: 'notice' };

/** GitHub Actions workflow commands, one line per finding: `::warning file=prisma/schema.prisma,line=140,col=3,title=…::message`. */
export function toGithubCommands(findings: readonly CiFinding[], root: string): string[] {
  return findings.map((f) => {
    const uri = f.file ? repoRelative(root, f.file) : undefined;
    const props: string[] = [];
    if (uri) {
      props.push(`file=${escapeProperty(uri)}`);
      if (f.line !== undefined) props.push(`line=${Math.max(1, f.line)}`);
      if (f.line !== undefined && f.column !== undefined) props.push(`col=${Math.max(1, f.column)}`);
    }
    props.push(`title=${escapeProperty(`${f.title} [${f.ruleId}]`)}`);
    return `::${COMMAND[f.level]} ${props.join(',')}::${escapeData(f.message)}`;
  });
}
