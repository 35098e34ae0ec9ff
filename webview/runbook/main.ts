/**
 * The runbook panel's client: renders the host's view state and turns clicks into protocol messages. It owns
 * no state of its own beyond what it shows: the host decides, runs and gates everything.
 * No innerHTML: every text from the runbook goes through textContent.
 */
import type {
  HostMessage,
  Labels,
  RunbookViewState,
  SectionView,
  StepView,
  WebviewMessage,
  WebviewPersistedState,
} from '../../src/core/runbook/protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): WebviewPersistedState | undefined;
  setState(state: WebviewPersistedState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;
const file = document.body.dataset.file ?? '';

let labels: Labels | undefined = vscode.getState()?.labels;
let state: RunbookViewState | undefined = vscode.getState()?.state;

function post(message: WebviewMessage): void {
  vscode.postMessage(message);
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function icon(name: string, extra = ''): HTMLElement {
  const node = el('span', `codicon codicon-${name}${extra ? ` ${extra}` : ''}`);
  node.setAttribute('aria-hidden', 'true');
  return node;
}

function button(
  label: string,
  codicon: string,
  onClick: () => void,
  options: { primary?: boolean; disabled?: boolean; action: string; title?: string; iconOnly?: boolean },
): HTMLButtonElement {
  const b = el('button', `action${options.primary ? ' primary' : ''}${options.iconOnly ? ' icon-only' : ''}`);
  b.type = 'button';
  b.dataset.action = options.action;
  b.title = options.title ?? label;
  b.setAttribute('aria-label', options.title ?? label);
  b.disabled = !!options.disabled;
  b.append(icon(codicon));
  if (!options.iconOnly) b.append(el('span', 'label', label));
  b.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return b;
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
}

const STATUS_ICON: Record<StepView['status'], [string, string?]> = {
  notRun: ['circle-large-outline'],
  running: ['loading', 'codicon-modifier-spin'],
  succeeded: ['pass-filled'],
  failed: ['error'],
  skipped: ['debug-step-over'],
  cancelled: ['circle-slash'],
};

function statusText(step: StepView, l: Labels): string {
  const parts: string[] = [l[step.status]];
  if (step.status === 'succeeded' || step.status === 'failed' || step.status === 'cancelled') {
    if (step.exitCode !== undefined && step.exitCode !== null) parts.push(`${l.exit} ${step.exitCode}`);
    if (step.durationMs !== undefined) parts.push(duration(step.durationMs));
  }
  return parts.join(' · ');
}

function renderStep(step: StepView, s: RunbookViewState, l: Labels): HTMLElement {
  const busy = s.running !== undefined;
  const root = el('div', `step status-${step.status}${step.manual ? ' manual' : ''}`);
  root.dataset.id = step.id;
  root.dataset.status = step.status;
  const [iconName, modifier] = STATUS_ICON[step.status];
  const statusIcon = icon(iconName, `status-icon${modifier ? ` ${modifier}` : ''}`);
  statusIcon.title = l[step.status];
  root.append(statusIcon);

  const body = el('div', 'step-body');
  const head = el('div', 'step-head');
  const title = el('span', 'step-title', step.title);
  head.append(title);
  if (!step.manual) {
    const chip = el(
      'span',
      `chip target${step.target.kind === 'production' ? ' production' : ''}${step.target.problem ? ' problem' : ''}`,
    );
    chip.append(icon(step.target.remote ? 'remote' : 'device-desktop'), el('span', undefined, step.target.label));
    head.append(chip);
  } else {
    head.append(el('span', 'chip', l.manual));
  }
  if (step.destructive) {
    const badge = el('span', 'chip destructive');
    badge.append(icon('warning'), el('span', undefined, l.destructive));
    badge.title = step.destructive;
    head.append(badge);
  }
  const line = el('a', 'line', `L${step.line}`);
  line.href = '#';
  line.title = l.openSource;
  line.addEventListener('click', (event) => {
    event.preventDefault();
    post({ type: 'openSource', line: step.line });
  });
  head.append(line);
  body.append(head);
  for (const note of step.notes) body.append(el('div', 'note', note));
  if (!step.manual) body.append(el('pre', 'command', step.command));
  if (step.status !== 'notRun') body.append(el('div', 'status-line', statusText(step, l)));
  if (step.message) {
    body.append(
      el('div', `message${step.status === 'skipped' || step.status === 'succeeded' ? '' : ' error'}`, step.message),
    );
  }
  if (step.output) body.append(el('pre', 'output', step.output));
  if (step.blocked) {
    const b = el('div', 'gate blocked');
    b.append(icon('circle-slash'), el('span', undefined, step.blocked));
    body.append(b);
  } else if (step.gate) {
    const g = el('div', 'gate');
    g.append(icon('lock'), el('span', undefined, step.gate));
    body.append(g);
  }
  for (const rule of step.rules ?? []) {
    const key = `rule${rule}` as keyof Labels;
    const r = el('div', 'rule', l.teamRule.replace('{0}', String(rule)).replace('{1}', l[key] ?? ''));
    r.dataset.rule = String(rule);
    body.append(r);
  }
  if (step.hint) {
    const h = el('div', 'hint');
    const suggested = step.suggestedTarget;
    if (suggested?.applied) {
      h.append(icon('remote'), el('span', undefined, `${l.runsOnSuggested} ${suggested.label}.`));
      h.append(
        button(l.runHere, 'device-desktop', () => post({ type: 'useSuggestedTarget', stepId: step.id, use: false }), {
          action: 'runHere',
          disabled: busy,
        }),
      );
    } else {
      h.append(icon('warning'), el('span', undefined, step.hint));
      if (suggested) {
        h.append(
          button(
            l.runOn.replace('{0}', suggested.label),
            'remote',
            () => post({ type: 'useSuggestedTarget', stepId: step.id, use: true }),
            { action: 'runThere', disabled: busy },
          ),
        );
      }
    }
    body.append(h);
  }
  for (const advice of step.advice ?? []) {
    const a = el('div', 'hint advice');
    a.append(icon('warning'), el('span', undefined, advice.message));
    if (advice.command) a.append(el('code', undefined, advice.command));
    body.append(a);
  }
  if (step.target.problem && !step.target.problem.inSectionBanner) {
    const p = el('div', 'problem');
    p.append(icon('warning'), el('span', undefined, step.target.problem.message));
    if (step.target.problem.action === 'addEnvironment') {
      p.append(button(l.addEnvironment, 'add', () => post({ type: 'addEnvironment' }), { action: 'addEnvironment' }));
    }
    body.append(p);
  }
  if (step.backup) {
    const b = el('div', 'backup');
    const first = el('div');
    first.append(icon('database'), el('span', undefined, `${l.backupFile} `), el('code', undefined, step.backup.path));
    if (step.backup.size) first.append(el('span', 'size', ` (${step.backup.size})`));
    b.append(first);
    if (step.backup.sha256) b.append(el('div', 'sha256', `sha256 ${step.backup.sha256}`));
    if (step.backup.verification) {
      const v = el('div', `backup-verification ${step.backup.verification.status}`);
      v.append(
        icon(step.backup.verification.status === 'verified' ? 'verified' : 'error'),
        el('span', undefined, step.backup.verification.summary),
      );
      b.append(v);
    }
    if (step.backup.restoreCommand) {
      const second = el('div', 'restore');
      second.append(el('span', undefined, `${l.restoreWith} `), el('code', undefined, step.backup.restoreCommand));
      second.append(
        button(l.copy, 'copy', () => post({ type: 'copy', stepId: step.id, what: 'restore' }), {
          action: 'copyRestore',
        }),
      );
      b.append(second);
    }
    body.append(b);
  }
  if (step.verifyOffered || step.verification) {
    const v = el(
      'div',
      `verify${step.verification?.ok === true ? ' ok' : step.verification?.status === 'failed' || step.verification?.ok === false ? ' bad' : ''}`,
    );
    const running = step.verification?.status === 'running';
    v.append(
      button(
        `${l.verify} ${step.verification?.environment ?? step.target.environment ?? ''}`.trim(),
        running ? 'loading' : 'beaker',
        () => post({ type: 'verify', stepId: step.id }),
        {
          action: 'verify',
          disabled: running,
          title: l.verifyHint,
        },
      ),
    );
    if (step.verification?.summary) v.append(el('span', 'summary', step.verification.summary));
    if (step.verification?.lines?.length) {
      const list = el('ul');
      for (const text of step.verification.lines) list.append(el('li', undefined, text));
      v.append(list);
    }
    body.append(v);
  }
  root.append(body);

  const actions = el('div', 'actions');
  if (step.manual) {
    if (step.status !== 'succeeded') {
      actions.append(
        button(l.markDone, 'check', () => post({ type: 'markDone', stepId: step.id }), {
          action: 'markDone',
          disabled: busy,
        }),
      );
    }
  } else if (step.status === 'running' || s.running === step.id) {
    actions.append(button(l.cancel, 'debug-stop', () => post({ type: 'cancel' }), { action: 'cancel' }));
  } else {
    const again = step.status !== 'notRun' && step.status !== 'skipped';
    actions.append(
      button(again ? l.rerun : l.run, again ? 'debug-restart' : 'play', () => post({ type: 'run', stepId: step.id }), {
        action: 'run',
        primary: !again,
        disabled: busy || !!step.blocked || !!step.target.problem,
      }),
    );
  }
  if (step.equivalent && !step.manual && step.status !== 'running' && s.running !== step.id) {
    const label =
      step.equivalent.kind === 'createBaseline'
        ? l.equivalentCreateBaseline
        : step.equivalent.kind === 'markApplied'
          ? l.equivalentMarkApplied
          : l.equivalentStatus;
    actions.append(
      button(label, 'tools', () => post({ type: 'runEquivalent', stepId: step.id }), {
        action: 'runEquivalent',
        disabled: busy || !!step.target.problem,
        title: l.equivalentHint,
      }),
    );
  }
  if (!step.manual && step.status !== 'skipped' && step.status !== 'running' && s.running !== step.id) {
    actions.append(
      button(l.skip, 'debug-step-over', () => post({ type: 'skip', stepId: step.id }), {
        action: 'skip',
        disabled: busy,
        iconOnly: true,
      }),
    );
  }
  if (!step.manual) {
    actions.append(
      button(l.copy, 'copy', () => post({ type: 'copy', stepId: step.id, what: 'command' }), {
        action: 'copy',
        iconOnly: true,
      }),
    );
  }
  root.append(actions);
  return root;
}

/** Sections the user folded (kept with the webview's state, so a reload keeps them folded). */
const collapsed = new Set<string>(vscode.getState()?.collapsed ?? []);

function persist(): void {
  vscode.setState({
    file: state?.file ?? file,
    ...(state ? { state } : {}),
    ...(labels ? { labels } : {}),
    collapsed: [...collapsed],
  });
}

function toggleSection(id: string): void {
  if (collapsed.has(id)) collapsed.delete(id);
  else collapsed.add(id);
  persist();
  render();
}

function renderSectionHead(section: SectionView, s: RunbookViewState, l: Labels, folded: boolean): HTMLElement {
  const head = el('div', `section-head level-${Math.min(section.level, 4)}`);
  const toggle = el('button', 'twistie');
  toggle.type = 'button';
  toggle.dataset.action = 'toggleSection';
  toggle.setAttribute('aria-expanded', String(!folded));
  toggle.setAttribute('aria-label', section.title);
  toggle.append(icon(folded ? 'chevron-right' : 'chevron-down'));
  toggle.addEventListener('click', () => toggleSection(section.id));
  const title = el('h2', undefined, section.title);
  title.addEventListener('click', () => toggleSection(section.id));
  head.append(toggle, title);
  if (folded) {
    const done = section.steps.filter((st) => st.status === 'succeeded' || st.status === 'skipped').length;
    const failed = section.steps.some((st) => st.status === 'failed');
    if (section.steps.length > 0) {
      head.append(
        el(
          'span',
          `chip progress${failed ? ' failed' : done === section.steps.length ? ' done' : ''}`,
          `${done}/${section.steps.length}`,
        ),
      );
    }
  }
  if (section.kind !== 'other') head.append(el('span', `chip kind kind-${section.kind}`, section.kind));
  const runnable = section.steps.some((st) => !st.manual);
  if (runnable) {
    head.append(
      button(l.runSection, 'run-all', () => post({ type: 'runSection', sectionId: section.id }), {
        action: 'runSection',
        disabled: s.running !== undefined,
      }),
    );
  }
  return head;
}

/** Elements of the last render with the JSON they were built from, to replace only what changed. */
const rendered = new Map<string, { json: string; node: HTMLElement }>();

function keyed(key: string, value: unknown, build: () => HTMLElement): HTMLElement {
  const json = JSON.stringify(value);
  const previous = rendered.get(key);
  if (previous && previous.json === json) return previous.node;
  const node = build();
  rendered.set(key, { json, node });
  return node;
}

/** Puts `children` into `parent` in order, moving only nodes that are out of place (focus survives). */
function reconcile(parent: HTMLElement, children: HTMLElement[]): void {
  children.forEach((child, index) => {
    if (parent.children[index] !== child) parent.insertBefore(child, parent.children[index] ?? null);
  });
  while (parent.children.length > children.length) parent.lastElementChild?.remove();
}

function render(): void {
  if (!labels || !state) {
    reconcile(app, [keyed('loading', labels?.loading, () => el('p', 'loading', labels?.loading ?? '…'))]);
    return;
  }
  const l = labels;
  const s = state;
  const busy = s.running;
  const blocks: HTMLElement[] = [];

  blocks.push(
    keyed('header', [s.title, s.relativePath, s.runStartedAt, s.runId, busy, l], () => {
      const header = el('header', 'header');
      const h1 = el('h1');
      h1.append(icon('checklist'), el('span', undefined, s.title || s.relativePath));
      const source = el('a', 'source', s.relativePath);
      source.href = '#';
      source.addEventListener('click', (event) => {
        event.preventDefault();
        post({ type: 'openSource', line: 1 });
      });
      const info = el('div', 'run-info');
      info.append(el('span', undefined, `${l.runStarted} ${new Date(s.runStartedAt).toLocaleString()}`));
      info.append(
        button(l.newRun, 'refresh', () => post({ type: 'newRun' }), { action: 'newRun', disabled: busy !== undefined }),
      );
      info.append(button(l.exportLog, 'export', () => post({ type: 'exportLog' }), { action: 'exportLog' }));
      header.append(h1, source, info);
      return header;
    }),
  );
  if (s.error) blocks.push(keyed('error', s.error, () => el('div', 'banner error', s.error)));
  if (s.variables.length > 0) {
    blocks.push(
      keyed('variables', [s.variables, busy], () => {
        const box = el('div', 'variables');
        box.append(el('span', 'caption', l.variables));
        for (const v of s.variables) {
          const item = el('span', 'variable');
          item.append(
            el('code', undefined, v.name),
            el('span', undefined, ' = '),
            el('code', v.value === undefined ? 'unset' : undefined, v.value ?? l.notSet),
          );
          item.append(
            button(l.edit, 'edit', () => post({ type: 'editVariable', name: v.name }), {
              action: 'editVariable',
              disabled: busy !== undefined,
            }),
          );
          box.append(item);
        }
        return box;
      }),
    );
  }
  if (s.warnings.length > 0) {
    blocks.push(
      keyed('warnings', s.warnings, () => {
        const box = el('details', 'warnings');
        box.append(el('summary', undefined, `${l.warnings} (${s.warnings.length})`));
        for (const w of s.warnings) box.append(el('div', undefined, `L${w.line}: ${w.message}`));
        return box;
      }),
    );
  }
  for (const section of s.sections) {
    if (section.steps.length === 0 && section.notes.length === 0) continue;
    const container = keyed(`section:${section.id}`, section.id, () => {
      const node = el('section', 'section');
      node.dataset.id = section.id;
      return node;
    });
    const folded = collapsed.has(section.id);
    const parts: HTMLElement[] = [
      keyed(
        `section-head:${section.id}`,
        [
          section.title,
          section.kind,
          section.level,
          busy,
          section.steps.map((st) => [st.manual, st.status]),
          folded,
          l,
        ],
        () => renderSectionHead(section, s, l, folded),
      ),
    ];
    if (section.production) {
      parts.push(
        keyed(`banner:${section.id}`, [section.production, l.production], () => {
          const banner = el('div', 'banner production');
          banner.append(
            icon('shield'),
            el('strong', undefined, l.production),
            el('span', undefined, ` ${section.production}`),
          );
          return banner;
        }),
      );
    }
    for (const problem of section.problems ?? []) {
      parts.push(
        keyed(`problem:${section.id}:${problem.message}`, [problem, busy, l], () => {
          const banner = el('div', 'banner problem');
          banner.append(
            icon('warning'),
            el('span', undefined, `${problem.message} ${l.stepsCannotRun.replace('{0}', String(problem.steps))}`),
          );
          if (problem.action === 'addEnvironment') {
            banner.append(
              button(l.addEnvironment, 'add', () => post({ type: 'addEnvironment' }), {
                action: 'addEnvironment',
                disabled: !!busy,
              }),
            );
          }
          return banner;
        }),
      );
    }
    if (section.notes.length > 0 && !folded) {
      parts.push(
        keyed(`notes:${section.id}`, section.notes, () => {
          const notes = el('div', 'section-notes');
          for (const n of section.notes) notes.append(el('p', undefined, n));
          return notes;
        }),
      );
    }
    if (!folded) {
      for (const step of section.steps) {
        parts.push(keyed(`step:${step.id}`, [step, busy, l], () => renderStep(step, s, l)));
      }
    }
    reconcile(container, parts);
    blocks.push(container);
  }
  if (s.sections.every((section) => section.steps.length === 0)) {
    blocks.push(keyed('empty', l.noSteps, () => el('p', 'empty', l.noSteps)));
  }
  reconcile(app, blocks);
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message.type === 'init') {
    labels = message.labels;
    rendered.clear();
  } else if (message.type === 'state') {
    state = message.state;
  } else {
    return;
  }
  persist();
  render();
});

// The last state seen (restored after a reload) shows at once; the host's answer to `ready` replaces it.
render();
post({ type: 'ready' });
