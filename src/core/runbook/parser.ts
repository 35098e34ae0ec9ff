import * as l10n from '@vscode/l10n';
import MarkdownIt from 'markdown-it';
import { type SectionKind, type StepClassification, classifyCommand, classifySection } from './classify';
import { parseAssignment, parseSshLogin, splitShell, substituteShellValues } from './shell';

/**
 * A markdown runbook as data: headings are sections, fenced shell blocks are commands (one step
 * per command a person would paste), comments and prose are notes.
 */

export type StepTarget =
  | { kind: 'local' }
  /** After an `ssh user@host` line: runs on that host (matched to an environment at run time). */
  | { kind: 'ssh'; user?: string; host: string; port?: number; environment?: string }
  /** Bound by a `<!-- env: NAME -->` marker: runs on that environment's SSH host, or locally against it. */
  | { kind: 'environment'; environment: string };

export interface RunbookStep {
  /** Stable within a file: `<section-slug>/<n>`. */
  id: string;
  sectionId: string;
  /** Short title: the comment above the command, else the command's first line. */
  title: string;
  /** The command as written (continuation lines kept). */
  command: string;
  /** 1-based line of the command in the markdown file. */
  line: number;
  endLine: number;
  language: string;
  target: StepTarget;
  /** Working directory set by an earlier `cd` on the same target in this section. */
  cwd?: string;
  notes: string[];
  /** A manual step: a numbered comment with no command (e.g. "# 3. Check the generated SQL"). */
  manual: boolean;
  /** Names of the variables the command uses. */
  variables: string[];
  classification: StepClassification;
  /**
   * Something the author should look at on this step, e.g. a local step that uses a Docker container an
   * earlier section of the same procedure used on a server: it probably belongs on that server.
   */
  hint?: { message: string; suggestedTarget?: StepTarget };
}

export interface RunbookSection {
  id: string;
  title: string;
  level: number;
  line: number;
  kind: SectionKind;
  /** Prose of the section (paragraphs, list items, quotes), as plain text lines. */
  notes: string[];
  steps: RunbookStep[];
  /** Parent section id (the nearest heading above with a smaller level). */
  parentId?: string;
}

export interface RunbookVariable {
  name: string;
  /** `assignment` (`NAME=value` in the runbook), `placeholder` (`<name>`), or `date` (`YYYYMMDD_HHMMSS`). */
  kind: 'assignment' | 'placeholder' | 'date';
  /** The value written in the runbook, used as the prompt's default. */
  defaultValue?: string;
  /** 1-based line where it is first defined or used. */
  line: number;
  /** The exact text in commands to replace (`${NAME}`/`$NAME` are both replaced for assignments). */
  token: string;
}

export interface Runbook {
  file: string;
  title: string;
  sections: RunbookSection[];
  variables: RunbookVariable[];
  /** Things the author should know (an unterminated block, an ssh line with a command…). */
  warnings: { line: number; message: string }[];
}

const SHELL_LANGUAGES = new Set(['bash', 'sh', 'shell', 'zsh', 'console', 'shell-session', 'shellscript']);
const ENV_MARKER = /<!--\s*(?:drift-guard\s+)?env\s*:\s*([\w.-]+)\s*-->/i;
const DATE_PLACEHOLDER = /(?<![A-Za-z0-9])YYYY[-_]?MM[-_]?DD(?:[-_T]?HH[-_:]?MM(?:[-_:]?SS)?)?(?![A-Za-z0-9])/g;
const ANGLE_PLACEHOLDER = /(?<![<\w])<([A-Za-z_][\w-]*)>(?!>)/g;

function slugify(text: string, used: Set<string>): string {
  const base =
    text
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'section';
  let slug = base;
  for (let n = 2; used.has(slug); n++) slug = `${base}-${n}`;
  used.add(slug);
  return slug;
}

function inlineText(content: string): string {
  return content
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .trim();
}

/** Parses a runbook. Never throws; odd input becomes warnings. */
export function parseRunbook(file: string, markdown: string): Runbook {
  const md = new MarkdownIt({ html: true });
  const tokens = md.parse(markdown, {});
  const sections: RunbookSection[] = [];
  const variables = new Map<string, RunbookVariable>();
  const warnings: Runbook['warnings'] = [];
  const usedSlugs = new Set<string>();
  let title = '';
  let section: RunbookSection | undefined;
  let sectionTarget: StepTarget = { kind: 'local' };
  const stack: RunbookSection[] = [];

  const ensureSection = (line: number): RunbookSection => {
    if (section) return section;
    section = {
      id: slugify('introduction', usedSlugs),
      title: 'Introduction',
      level: 1,
      line,
      kind: 'other',
      notes: [],
      steps: [],
    };
    sections.push(section);
    return section;
  };

  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t];
    const line = (token.map?.[0] ?? 0) + 1;
    if (token.type === 'heading_open') {
      const text = inlineText(tokens[t + 1]?.content ?? '');
      const level = Number(token.tag.slice(1));
      if (level === 1 && !title) title = text;
      while (stack.length > 0 && stack[stack.length - 1].level >= level) stack.pop();
      section = { id: slugify(text, usedSlugs), title: text, level, line, kind: 'other', notes: [], steps: [] };
      if (stack.length > 0) section.parentId = stack[stack.length - 1].id;
      stack.push(section);
      sections.push(section);
      sectionTarget = { kind: 'local' };
      t += 2;
      continue;
    }
    if (token.type === 'html_block' || token.type === 'html_inline') {
      const marker = ENV_MARKER.exec(token.content);
      if (marker) {
        // A marker binds the rest of its section (or, before any heading, the whole document start).
        sectionTarget = { kind: 'environment', environment: marker[1] };
      }
      continue;
    }
    if (token.type === 'inline' && section !== undefined) {
      const text = inlineText(token.content);
      if (text) section.notes.push(text);
      continue;
    }
    if (token.type === 'inline') {
      continue;
    }
    if (token.type === 'fence' || token.type === 'code_block') {
      const language = (token.info || '').trim().split(/\s+/)[0].toLowerCase();
      if (token.type === 'fence' && !SHELL_LANGUAGES.has(language)) continue;
      if (token.type === 'code_block') continue;
      const inline = ENV_MARKER.exec(token.content);
      const blockTarget: StepTarget = inline ? { kind: 'environment', environment: inline[1] } : sectionTarget;
      addBlockSteps(ensureSection(line), token.content, line + 1, language, blockTarget, variables, warnings);
    }
  }

  for (const s of sections) {
    s.kind = s.steps.some((st) => !st.manual)
      ? classifySection(
          s.title,
          s.steps.flatMap((st) => st.classification.kinds),
        )
      : 'other';
  }
  warnUnboundContainers(sections, warnings);
  // Variables used before their assignment in the file are still variables; mark usage.
  for (const s of sections) {
    for (const step of s.steps) {
      step.variables = [...variables.values()].filter((v) => usesVariable(step.command, v)).map((v) => v.name);
    }
  }
  return { file, title: title || (sections[0]?.title ?? ''), sections, variables: [...variables.values()], warnings };
}

/** Container names of `docker exec [options] NAME …` in a command. */
export function dockerExecContainers(command: string): string[] {
  const out: string[] = [];
  const words = command.replace(/\\\n/g, ' ').split(/\s+/);
  for (let i = 0; i < words.length - 2; i++) {
    if (words[i] !== 'docker' || words[i + 1] !== 'exec') continue;
    let j = i + 2;
    while (j < words.length && words[j].startsWith('-')) {
      const w = words[j];
      // Options that take a value as the next word: -e/-u/-w and their long forms.
      j += /^-[a-zA-Z]*[euw]$|^--(?:env|env-file|user|workdir|detach-keys)$/.test(w) ? 2 : 1;
    }
    const name = words[j];
    if (name && /^[A-Za-z0-9][\w.-]*$/.test(name)) out.push(name);
  }
  return out;
}

function describeStepTarget(target: StepTarget): string {
  if (target.kind === 'ssh') {
    return `${target.user ? `${target.user}@` : ''}${target.host}${target.port ? `:${target.port}` : ''}`;
  }
  if (target.kind === 'environment') return target.environment;
  return l10n.t('this machine');
}

/**
 * The seed's shape: `ssh root@host` in "Deploy", then "Verify" and "Rollback" use the same containers (and
 * `cd` to the same server folder) with no ssh line of their own — pasted by a person still logged in to the
 * server, they run there; run as written, they would run on this machine. Each such step gets a hint naming
 * the server, and the runbook a warning.
 */
function warnUnboundContainers(sections: RunbookSection[], warnings: Runbook['warnings']): void {
  sections.forEach((section, index) => {
    const containers = new Map<string, StepTarget>();
    const folders = new Map<string, StepTarget>();
    for (const step of section.steps) {
      if (step.target.kind !== 'ssh') continue;
      for (const name of dockerExecContainers(step.command)) {
        if (!containers.has(name)) containers.set(name, step.target);
      }
      if (step.cwd?.startsWith('/') && !folders.has(step.cwd)) folders.set(step.cwd, step.target);
    }
    if (containers.size === 0) return;
    for (const later of sections.slice(index + 1)) {
      // The same procedure: sections under the same parent heading (siblings and their subsections).
      if (!isWithin(later, section.parentId, sections)) break;
      // One runbook warning per section and server (the steps' own hints say it step by step).
      const grouped = new Map<
        string,
        { target: StepTarget; lines: number[]; containers: Set<string>; folders: Set<string> }
      >();
      for (const step of later.steps) {
        if (step.target.kind !== 'local' || step.hint) continue;
        const container = dockerExecContainers(step.command).find((n) => containers.has(n));
        const folder = step.cwd;
        let message: string;
        let target: StepTarget;
        if (container !== undefined) {
          target = containers.get(container)!;
          message = l10n.t(
            'Runs on {0}, but the container {1} is used on {2} in "{3}".',
            describeStepTarget(step.target),
            container,
            describeStepTarget(target),
            section.title,
          );
        } else if (folder !== undefined && folders.has(folder)) {
          target = folders.get(folder)!;
          message = l10n.t(
            'Runs on {0}, but {1} is a folder of {2} in "{3}".',
            describeStepTarget(step.target),
            folder,
            describeStepTarget(target),
            section.title,
          );
        } else {
          continue;
        }
        step.hint = { message: `${message} ${bindAdvice()}`, suggestedTarget: target };
        const key = describeStepTarget(target);
        const group = grouped.get(key) ?? {
          target,
          lines: [],
          containers: new Set<string>(),
          folders: new Set<string>(),
        };
        group.lines.push(step.line);
        if (container !== undefined) group.containers.add(container);
        else if (folder !== undefined) group.folders.add(folder);
        grouped.set(key, group);
      }
      for (const group of grouped.values()) {
        const containerList = [...group.containers].join(', ');
        const folderList = [...group.folders].join(', ');
        const uses = [
          ...(group.containers.size > 0
            ? [
                group.containers.size > 1
                  ? l10n.t('the containers {0}', containerList)
                  : l10n.t('the container {0}', containerList),
              ]
            : []),
          ...(group.folders.size > 0
            ? [group.folders.size > 1 ? l10n.t('the folders {0}', folderList) : l10n.t('the folder {0}', folderList)]
            : []),
        ].reduce((a, b) => l10n.t('{0} and {1}', a, b));
        const lines =
          group.lines.length > 1 ? l10n.t('lines {0}', group.lines.join(', ')) : l10n.t('line {0}', group.lines[0]);
        warnings.push({
          line: group.lines[0],
          message: `${l10n.t('"{0}" ({1}): runs on this machine, but uses {2} of {3} from "{4}".', later.title, lines, uses, describeStepTarget(group.target), section.title)} ${bindAdvice()}`,
        });
      }
    }
  });
}

function bindAdvice(): string {
  return l10n.t('Add an ssh line or <!-- env: NAME --> to this section if it belongs on the server.');
}

function isWithin(section: RunbookSection, ancestorId: string | undefined, sections: RunbookSection[]): boolean {
  if (ancestorId === undefined) return true;
  for (let id = section.parentId; id !== undefined; id = sections.find((s) => s.id === id)?.parentId) {
    if (id === ancestorId) return true;
  }
  return false;
}

function usesVariable(command: string, v: RunbookVariable): boolean {
  if (v.kind === 'assignment') return new RegExp(String.raw`\$\{${v.name}\}|\$${v.name}\b`).test(command);
  return command.includes(v.token);
}

function addBlockSteps(
  section: RunbookSection,
  content: string,
  firstLine: number,
  language: string,
  blockTarget: StepTarget,
  variables: Map<string, RunbookVariable>,
  warnings: Runbook['warnings'],
): void {
  let target = blockTarget;
  const cwdByTarget = new Map<string, string>();
  const targetKey = (t: StepTarget): string =>
    t.kind === 'local' ? 'local' : t.kind === 'ssh' ? `ssh:${t.user ?? ''}@${t.host}` : `env:${t.environment}`;
  // Console transcripts: keep only the `$ ` lines.
  const body =
    language === 'console' || language === 'shell-session'
      ? content
          .split('\n')
          .filter((l) => /^\s*\$\s/.test(l))
          .map((l) => l.replace(/^\s*\$\s/, ''))
          .join('\n')
      : content;
  const lines = splitShell(body);
  let pendingNotes: { text: string; line: number }[] = [];
  let lastStep: RunbookStep | undefined;
  let sawBlank = false;

  const flushManual = (keepLast: boolean): void => {
    // Numbered comments ("# 3. Vérifier le SQL") with no command of their own are manual steps.
    const numbered = pendingNotes.filter((n) => /^\d+[.)]\s/.test(n.text));
    const manual = keepLast ? numbered.slice(0, -1) : numbered;
    for (const n of manual) {
      pushStep({
        title: n.text.replace(/^\d+[.)]\s*/, ''),
        command: '',
        line: n.line,
        endLine: n.line,
        notes: [],
        manual: true,
      });
    }
    pendingNotes = pendingNotes.filter((n) => !manual.includes(n));
  };

  const pushStep = (s: {
    title: string;
    command: string;
    line: number;
    endLine: number;
    notes: string[];
    manual: boolean;
  }): RunbookStep => {
    const cwd = cwdByTarget.get(targetKey(target));
    const step: RunbookStep = {
      id: `${section.id}/${section.steps.length + 1}`,
      sectionId: section.id,
      title: s.title,
      command: s.command,
      line: s.line,
      endLine: s.endLine,
      language: language || 'bash',
      target,
      notes: s.notes,
      manual: s.manual,
      variables: [],
      classification: s.manual ? { kinds: [], destructive: false } : classifyCommand(s.command),
    };
    if (cwd !== undefined) step.cwd = cwd;
    section.steps.push(step);
    return step;
  };

  for (const l of lines) {
    const line = firstLine + l.startLine;
    if (l.kind === 'blank') {
      sawBlank = true;
      continue;
    }
    if (l.kind === 'comment') {
      const marker = ENV_MARKER.exec(`<!--${l.text}-->`);
      if (/^(?:drift-guard\s+)?env\s*:/i.test(l.text) && marker) {
        target = { kind: 'environment', environment: marker[1] };
        continue;
      }
      // A comment right under a command (no blank line) and before a blank line describes that command's result.
      if (lastStep && !sawBlank && pendingNotes.length === 0) {
        lastStep.notes.push(l.text);
        continue;
      }
      pendingNotes.push({ text: l.text, line });
      sawBlank = false;
      continue;
    }
    const command = l.text;
    const login = parseSshLogin(command);
    if (login && !command.includes('\n')) {
      target = { kind: 'ssh', ...login };
      pendingNotes = [];
      sawBlank = false;
      lastStep = undefined;
      continue;
    }
    if (/^exit\s*$/.test(command) && target.kind === 'ssh') {
      target = blockTarget;
      continue;
    }
    const assignment = parseAssignment(command);
    if (assignment) {
      if (!variables.has(assignment.name)) {
        variables.set(assignment.name, {
          name: assignment.name,
          kind: 'assignment',
          defaultValue: assignment.value,
          line,
          token: `\${${assignment.name}}`,
        });
      }
      // The comment above an assignment describes the command that uses it next.
      sawBlank = false;
      continue;
    }
    // A bare `cd DIR` is not a step of its own: the commands after it on the same target run in DIR (each step
    // runs in its own shell, remote ones in their own SSH exec), and its comment titles the next command.
    const cd = /^cd\s+("[^"]+"|'[^']+'|[^\s;&|]+)\s*$/.exec(command);
    if (cd) {
      cwdByTarget.set(targetKey(target), cd[1].replace(/^['"]|['"]$/g, ''));
      collectPlaceholders(command, line, variables);
      sawBlank = false;
      continue;
    }
    flushManual(true);
    const paragraphs = commentParagraphs(pendingNotes.map((n) => n.text));
    const firstCommandLine = command.split('\n')[0];
    const step = pushStep({
      title: paragraphs.length > 0 ? paragraphs[paragraphs.length - 1].replace(/^\d+[.)]\s*/, '') : firstCommandLine,
      command,
      line,
      endLine: firstLine + l.endLine,
      notes: paragraphs.slice(0, -1),
      manual: false,
    });
    collectPlaceholders(command, line, variables);
    pendingNotes = [];
    sawBlank = false;
    lastStep = step;
  }
  flushManual(false);
  if (pendingNotes.length > 0 && lastStep) lastStep.notes.push(...pendingNotes.map((n) => n.text));
  else if (pendingNotes.length > 0 && section.steps.length === 0) {
    section.notes.push(...pendingNotes.map((n) => n.text));
  }
  if (target.kind === 'ssh' && section.steps.length === 0) {
    warnings.push({
      line: firstLine,
      message: l10n.t('An ssh login to {0} with no command after it in "{1}"', target.host, section.title),
    });
  }
}

/**
 * Groups comment lines into sentences: a line continues the previous one when that one left a
 * parenthesis open or ended with a comma, or when it starts with `+`, `-`, `)` or a lowercase letter.
 */
function commentParagraphs(lines: string[]): string[] {
  const out: string[] = [];
  let open = 0;
  for (const line of lines) {
    const continues = out.length > 0 && (open > 0 || /,\s*$/.test(out[out.length - 1]) || /^[+\-)\p{Ll}]/u.test(line));
    if (continues) out[out.length - 1] += ` ${line}`;
    else out.push(line);
    for (const ch of line) {
      if (ch === '(') open++;
      else if (ch === ')' && open > 0) open--;
    }
  }
  return out;
}

function collectPlaceholders(command: string, line: number, variables: Map<string, RunbookVariable>): void {
  for (const m of command.matchAll(DATE_PLACEHOLDER)) {
    if (!variables.has(m[0])) variables.set(m[0], { name: m[0], kind: 'date', line, token: m[0] });
  }
  // `<name>` outside redirections: `--name <nom_descriptif>`.
  for (const m of command.matchAll(ANGLE_PLACEHOLDER)) {
    const before = command.slice(0, m.index).trimEnd();
    if (before.endsWith('<') || before.endsWith('>')) continue;
    if (!variables.has(m[1])) variables.set(m[1], { name: m[1], kind: 'placeholder', line, token: m[0] });
  }
}

/** Where variable `v` is written at `index` of `text` (`${NAME}`/`$NAME` for assignments, else its token). */
const assignmentPatterns = new Map<string, RegExp>();

function variableAt(text: string, index: number, v: RunbookVariable): number {
  if (v.kind === 'assignment') {
    let m = assignmentPatterns.get(v.name);
    if (!m) assignmentPatterns.set(v.name, (m = new RegExp(String.raw`\$\{${v.name}\}|\$${v.name}\b`, 'y')));
    m.lastIndex = index;
    return m.exec(text)?.[0].length ?? 0;
  }
  return text.startsWith(v.token, index) ? v.token.length : 0;
}

/**
 * Replaces variables in a shell command with the values the user gave, each value quoted for the shell where it
 * lands (see {@link substituteShellValues}): an ordinary value (`prod_20260217.sql`, `/var/backups`) reads as
 * before, and no value can inject a command. Unknown names are left alone.
 */
export function substituteVariables(
  command: string,
  runbookVariables: readonly RunbookVariable[],
  values: Readonly<Record<string, string>>,
): string {
  const known = runbookVariables.filter((v) => values[v.name] !== undefined);
  if (known.length === 0) return command;
  return substituteShellValues(command, (text, index) => {
    for (const v of known) {
      const length = variableAt(text, index, v);
      if (length > 0) return { index, length, value: values[v.name] };
    }
    return undefined;
  });
}

/** Replaces variables in plain text (a step's title, its working folder) with the values as given, unquoted. */
export function substituteText(
  text: string,
  runbookVariables: readonly RunbookVariable[],
  values: Readonly<Record<string, string>>,
): string {
  let out = '';
  let i = 0;
  outer: while (i < text.length) {
    for (const v of runbookVariables) {
      const value = values[v.name];
      if (value === undefined) continue;
      const length = variableAt(text, i, v);
      if (length > 0) {
        out += value;
        i += length;
        continue outer;
      }
    }
    out += text[i];
    i++;
  }
  return out;
}
