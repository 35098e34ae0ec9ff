/**
 * "Create Runbook from Template": a runbook in the shape of the team's seed document (baseline, validate in
 * dev, then for each environment backup, deploy, verification and rollback), with every step a copy-paste and
 * each environment's sections bound by `<!-- env: NAME -->`. English or French.
 */
import { type EnvironmentKind } from '../environments/config';

export interface TemplateEnvironment {
  name: string;
  kind: EnvironmentKind;
  /** With SSH, the deploy runs on the server; `database` is PostgreSQL's `host:port` as the server sees it. */
  ssh?: { host: string; port?: number; user: string; database?: string };
}

export interface TemplateOptions {
  /** Project name, in the title. */
  project: string;
  environments: readonly TemplateEnvironment[];
  /** Relative to the project root, with `/`. */
  schemaPath: string;
  migrationsDir: string;
  /** The datasource's URL variable (`DATABASE_URL`). */
  urlVariable: string;
  language?: 'en' | 'fr';
  date: Date;
}

interface Texts {
  title: (project: string) => string;
  intro: string[];
  rulesTitle: string;
  rules: string[];
  prerequisites: string;
  sshAccess: (env: string, target: string) => string;
  urlAccess: (env: string, variable: string) => string;
  pgpass: string;
  noEnvironment: string;
  procedure: string;
  step: (n: number, title: string) => string;
  baselineTitle: string;
  baselineDiff: string;
  baselineCheck: string;
  createTitle: string;
  createFolder: string;
  createCopy: string;
  createResolve: string;
  validateTitle: string;
  validateStatus: string;
  validateDev: string;
  validateRemove: string;
  validateGenerate: string;
  markTitle: (env: string) => string;
  markNote: string;
  markResolve: string;
  backupTitle: (env: string) => string;
  backupDir: string;
  backupDump: string;
  backupUrlNote: string;
  deployTitle: (env: string) => string;
  deployCd: string;
  deployPull: string;
  deployApply: string;
  deployStatus: string;
  verifyTitle: (env: string) => string;
  verifyNote: string;
  verifyExpected: string;
  rollbackTitle: (env: string) => string;
  rollbackRestore: string;
  rollbackCode: string;
}

const EN: Texts = {
  title: (project) => `Migration runbook — ${project}`,
  intro: [
    '> **Goal**: nothing improvised on deploy day. Every step is a copy-paste; no decision to take live.',
    '> Open it with **Prisma Drift Guard: Open Runbook** to run each step from a panel, with its exit code.',
  ],
  rulesTitle: 'Rules',
  rules: [
    '**Never `db push` in production** — only `migrate deploy`.',
    'Every schema change → a named migration with `migrate dev`.',
    'Test the migration on a copy of production before deploying it.',
    '**Backup before every `migrate deploy` in production.**',
    'Never delete a migration that production applied.',
  ],
  prerequisites: 'Prerequisites',
  sshAccess: (env, target) => `SSH access to \`${target}\` (${env})`,
  urlAccess: (env, variable) =>
    `${env}: its database URL (the panel sets \`${variable}\` for the steps of this environment)`,
  pgpass: 'On each server, `pg_dump` and `psql` read the database password from `~/.pgpass`',
  noEnvironment:
    'No environment is configured yet: add one with **Prisma Drift Guard: Add Environment** (named `production` below).',
  procedure: 'Procedure',
  step: (n, title) => `Step ${n} — ${title}`,
  baselineTitle: 'Baseline snapshot',
  baselineDiff: 'SQL delta between the existing migrations and the current schema',
  baselineCheck: 'Check the content (what db push added without a migration)',
  createTitle: 'Create the baseline migration',
  createFolder: 'Create the migration folder (date of the day)',
  createCopy: 'Copy the generated SQL',
  createResolve: 'Mark it as already applied (the database already has these objects)',
  validateTitle: 'Validate in dev',
  validateStatus: 'Must print "Database schema is up to date"',
  validateDev: 'Must pass WITHOUT asking for a reset',
  validateRemove: 'If it passed → remove the test migration',
  validateGenerate: 'Regenerate the client',
  markTitle: (env) => `Mark the baseline applied on ${env} (where it already has it)`,
  markNote:
    'Run it with **Mark Applied (with proof)** beside Run: it records the baseline only where the database already has every change it makes (added with `db push`), so the deploy does not run it there. Refused where the database lacks them: the deploy applies it there instead.',
  markResolve: 'Record the baseline as applied (the database already has its objects)',
  backupTitle: (env) => `Backup of ${env}`,
  backupDir: 'Backup folder',
  backupDump: 'Backup before migrating',
  backupUrlNote: "The URL without Prisma's ?schema= parameter, which pg_dump does not accept",
  deployTitle: (env) => `Deploy to ${env}`,
  deployCd: 'Go to the application',
  deployPull: 'Pull the release',
  deployApply: 'Apply the migrations',
  deployStatus: 'Check',
  verifyTitle: (env) => `Verify ${env} (post-deploy)`,
  verifyNote:
    'After the deploy, the panel also checks the history and the live drift of this environment through the engine.',
  verifyExpected: 'Expected: "Database schema is up to date"',
  rollbackTitle: (env) => `Rollback of ${env} (if the deploy failed)`,
  rollbackRestore: 'Restore the backup (everything written since is lost)',
  rollbackCode: 'Go back to the previous release',
};

const FR: Texts = {
  title: (project) => `Stratégie Migrations — ${project}`,
  intro: [
    '> **Objectif** : zéro improvisation le jour du déploiement.',
    '> Chaque étape est un copier-coller. Pas de décision à prendre en live.',
  ],
  rulesTitle: 'Règles',
  rules: [
    '**Jamais `db push` en prod** — uniquement `migrate deploy`',
    '**Toute modification de schéma** → migration nommée via `migrate dev`',
    '**Tester la migration** sur une copie de la DB prod avant déploiement',
    '**Backup obligatoire** avant chaque `migrate deploy` en prod',
    '**Ne jamais supprimer** une migration déjà appliquée en prod',
  ],
  prerequisites: 'Pré-requis',
  sshAccess: (env, target) => `Accès SSH au serveur \`${target}\` (${env})`,
  urlAccess: (env, variable) =>
    `${env} : l'URL de sa base (le panneau définit \`${variable}\` pour les étapes de cet environnement)`,
  pgpass: 'Sur chaque serveur, `pg_dump` et `psql` lisent le mot de passe de la base dans `~/.pgpass`',
  noEnvironment:
    "Aucun environnement n'est configuré : ajoutez-en un avec **Prisma Drift Guard: Add Environment** (nommé `production` ci-dessous).",
  procedure: 'Procédure',
  step: (n, title) => `Étape ${n} — ${title}`,
  baselineTitle: 'Snapshot du schéma (baseline)',
  baselineDiff: 'Génère le SQL delta entre les migrations existantes et le schéma Prisma actuel',
  baselineCheck: 'Vérifier le contenu (ce que db push a ajouté sans migration)',
  createTitle: 'Créer la migration baseline',
  createFolder: 'Créer le dossier de migration (date du jour)',
  createCopy: 'Copier le SQL généré',
  createResolve: 'Marquer comme "déjà appliquée" (la DB a déjà ces objets)',
  validateTitle: 'Valider en dev',
  validateStatus: 'Doit afficher "Database schema is up to date"',
  validateDev: 'Doit passer SANS demander de reset',
  validateRemove: 'Si ça passe → supprimer la migration test',
  validateGenerate: 'Régénérer le client',
  markTitle: (env) => `Marquer la baseline appliquée en ${env} (là où elle y est déjà)`,
  markNote:
    "Lancez-la avec **Marquer appliquée (avec preuve)** à côté de Lancer : la baseline n'est enregistrée que si la base a déjà tout ce qu'elle crée (ajouté par `db push`), pour que le déploiement ne la rejoue pas. Refusée sinon : le déploiement l'applique alors.",
  markResolve: 'Marquer la baseline comme appliquée (la base a déjà ses objets)',
  backupTitle: (env) => `Sauvegarde de ${env}`,
  backupDir: 'Dossier des backups',
  backupDump: 'Backup avant migration',
  backupUrlNote: "L'URL sans le paramètre ?schema= de Prisma, que pg_dump refuse",
  deployTitle: (env) => `Déployer en ${env}`,
  deployCd: "Aller dans l'application",
  deployPull: 'Pull de la release',
  deployApply: 'Appliquer les migrations',
  deployStatus: 'Vérifier',
  verifyTitle: (env) => `Vérification post-deploy (${env})`,
  verifyNote:
    "Après le deploy, le panneau vérifie aussi l'historique et la dérive réelle de cet environnement via le moteur.",
  verifyExpected: 'Attendu : "Database schema is up to date"',
  rollbackTitle: (env) => `Rollback de ${env} (si échec)`,
  rollbackRestore: 'Restaurer le backup (tout ce qui a été écrit depuis est perdu)',
  rollbackCode: 'Revenir à la release précédente',
};

function yyyymmdd(date: Date): string {
  return `${date.getFullYear()}${String(date.getMonth() + 1).padStart(2, '0')}${String(date.getDate()).padStart(2, '0')}`;
}

/** `-h HOST -p PORT` of PostgreSQL as the server sees it (default 127.0.0.1:5432). */
function connectionFlags(database: string | undefined): string {
  const m = database ? /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(database) : null;
  return `-h ${m?.[1] ?? '127.0.0.1'} -p ${m?.[2] ?? '5432'}`;
}

/** Writes the runbook. The environments deployed to are every non-development one (staging before production). */
export function runbookTemplate(options: TemplateOptions): string {
  const t = options.language === 'fr' ? FR : EN;
  const order: Record<EnvironmentKind, number> = { development: 0, staging: 1, production: 2 };
  let targets = options.environments
    .filter((e) => e.kind !== 'development')
    .sort((a, b) => order[a.kind] - order[b.kind]);
  const unconfigured = targets.length === 0;
  if (unconfigured) targets = [{ name: 'production', kind: 'production' }];
  const migrations = options.migrationsDir.replace(/\/$/, '');
  const out: string[] = [`# ${t.title(options.project)}`, '', ...t.intro, ''];
  out.push(`## ${t.rulesTitle}`, '', ...t.rules.map((r, i) => `${i + 1}. ${r}`), '');
  out.push(`## ${t.prerequisites}`, '');
  for (const env of targets) {
    out.push(
      `- ${env.ssh ? t.sshAccess(env.name, `${env.ssh.user}@${env.ssh.host}${env.ssh.port && env.ssh.port !== 22 ? `:${env.ssh.port}` : ''}`) : t.urlAccess(env.name, options.urlVariable)}`,
    );
  }
  if (targets.some((e) => e.ssh)) out.push(`- ${t.pgpass}`);
  if (unconfigured) out.push(`- ${t.noEnvironment}`);
  out.push('', `## ${t.procedure}`, '');

  const fence = (lines: string[]): string[] => ['```bash', ...lines, '```', ''];
  let n = 1;
  out.push(`### ${t.step(n++, t.baselineTitle)}`, '');
  out.push(
    ...fence([
      `# ${t.baselineDiff}`,
      'npx prisma migrate diff \\',
      `  --from-migrations ./${migrations} \\`,
      `  --to-schema-datamodel ./${options.schemaPath} \\`,
      '  --script > /tmp/baseline.sql',
      '',
      `# ${t.baselineCheck}`,
      'cat /tmp/baseline.sql',
    ]),
  );
  out.push(`### ${t.step(n++, t.createTitle)}`, '');
  out.push(
    ...fence([
      `# ${t.createFolder}`,
      `MIGRATION_NAME="${yyyymmdd(options.date)}_baseline"`,
      `mkdir -p ${migrations}/\${MIGRATION_NAME}`,
      '',
      `# ${t.createCopy}`,
      `cp /tmp/baseline.sql ${migrations}/\${MIGRATION_NAME}/migration.sql`,
      '',
      `# ${t.createResolve}`,
      'npx prisma migrate resolve --applied ${MIGRATION_NAME}',
    ]),
  );
  out.push(`### ${t.step(n++, t.validateTitle)}`, '');
  out.push(
    ...fence([
      `# ${t.validateStatus}`,
      'npx prisma migrate status',
      '',
      `# ${t.validateDev}`,
      'npx prisma migrate dev --name test_post_baseline',
      '',
      `# ${t.validateRemove}`,
      `rm -rf ${migrations}/*test_post_baseline*`,
      '',
      `# ${t.validateGenerate}`,
      'npx prisma generate',
    ]),
  );

  for (const env of targets) {
    const marker = `<!-- env: ${env.name} -->`;
    const file = env.ssh ? `~/backups/${env.name}_pre_deploy` : `backups/${env.name}_pre_deploy`;
    const flags = env.ssh ? connectionFlags(env.ssh.database) : '';
    // A plain dump restorable over the live database (--clean --if-exists), restored by a psql that stops at the
    // first error, in one transaction.
    const dump = env.ssh
      ? `pg_dump --clean --if-exists ${flags} -U <db_user> <db_name>`
      : `pg_dump --clean --if-exists "\${${options.urlVariable}%%\\?*}"`;
    const restore = env.ssh
      ? `psql -v ON_ERROR_STOP=1 --single-transaction ${flags} -U <db_user> -d <db_name>`
      : `psql -v ON_ERROR_STOP=1 --single-transaction "\${${options.urlVariable}%%\\?*}"`;

    // Before any deploy: a baseline the database already has is recorded, not run (it would fail and block the deploys).
    out.push(`### ${t.step(n++, t.markTitle(env.name))}`, '', marker, '', t.markNote, '');
    out.push(...fence([`# ${t.markResolve}`, 'npx prisma migrate resolve --applied ${MIGRATION_NAME}']));

    out.push(`### ${t.step(n++, t.backupTitle(env.name))}`, '', marker, '');
    out.push(
      ...fence([
        `# ${t.backupDir}`,
        `mkdir -p ${env.ssh ? '~/backups' : 'backups'}`,
        '',
        ...(env.ssh ? [] : [`# ${t.backupUrlNote}`]),
        `# ${t.backupDump}`,
        `${dump} > ${file}_$(date +%Y%m%d_%H%M%S).sql`,
      ]),
    );

    out.push(`### ${t.step(n++, t.deployTitle(env.name))}`, '', marker, '');
    out.push(
      ...fence([
        ...(env.ssh ? [`# ${t.deployCd}`, 'cd <app_dir>', '', `# ${t.deployPull}`, 'git pull', ''] : []),
        `# ${t.deployApply}`,
        'npx prisma migrate deploy',
        '',
        `# ${t.deployStatus}`,
        'npx prisma migrate status',
      ]),
    );

    out.push(`### ${t.step(n++, t.verifyTitle(env.name))}`, '', marker, '', t.verifyNote, '');
    out.push(
      ...fence([...(env.ssh ? ['cd <app_dir>', ''] : []), 'npx prisma migrate status', `# ${t.verifyExpected}`]),
    );

    out.push(`### ${t.rollbackTitle(env.name)}`, '', marker, '');
    out.push(
      ...fence([
        `# ${t.rollbackRestore}`,
        `${restore} < ${file}_YYYYMMDD_HHMMSS.sql`,
        ...(env.ssh ? ['', `# ${t.rollbackCode}`, 'cd <app_dir>', 'git checkout HEAD~1'] : []),
      ]),
    );
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

/**
 * How much a markdown file looks like a deploy runbook: shell steps that deploy, back up, restore or run
 * Prisma Migrate, and ssh logins. 0 for anything else (a README with prose about `db push`).
 */
export function runbookScore(
  steps: ReadonlyArray<{ manual: boolean; classification: { kinds: readonly string[] }; target: { kind: string } }>,
): number {
  let score = 0;
  for (const step of steps) {
    if (step.manual) continue;
    const kinds = step.classification.kinds;
    if (kinds.includes('deploy')) score += 3;
    if (kinds.includes('backup') || kinds.includes('restore')) score += 2;
    if (kinds.some((k) => k.startsWith('migrate'))) score += 1;
    if (step.target.kind !== 'local') score += 1;
  }
  return score;
}
