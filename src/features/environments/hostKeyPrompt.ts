import * as vscode from 'vscode';
import { type UnknownHostDecision, type UnknownHostInfo } from '../../core/remote';
import { type Logger } from '../shared/logger';
import { notify } from '../shared/notify';

/**
 * "The authenticity of host … can't be established", as a modal showing the SHA256 fingerprint:
 * Trust Once (for this VS Code session), Trust and Save (appended to known_hosts), or cancel.
 * One question per host and key at a time: concurrent connections to the same host share the answer.
 * Changed keys never come here: the SSH layer refuses them with its warning.
 */
export class HostKeyPrompter {
  /** `hostName fingerprint` pairs trusted once during this session. */
  private readonly trustedOnce = new Set<string>();
  /** Keys the user refused: background refreshes do not ask again until {@link forgetRejections}. */
  private readonly rejected = new Set<string>();
  private readonly asking = new Map<string, Promise<UnknownHostDecision>>();

  constructor(private readonly logger: Logger) {}

  /** The `onUnknownHost` callback of the SSH layer. */
  readonly decide = (fingerprint: string, keyType: string, info: UnknownHostInfo): Promise<UnknownHostDecision> => {
    const key = `${info.hostName} ${fingerprint}`;
    if (this.trustedOnce.has(key)) return Promise.resolve('accept-once');
    if (this.rejected.has(key)) return Promise.resolve('reject');
    let pending = this.asking.get(key);
    if (!pending) {
      pending = this.ask(fingerprint, keyType, info).then((decision) => {
        if (decision === 'accept-once') this.trustedOnce.add(key);
        if (decision === 'reject') this.rejected.add(key);
        this.logger.info(`SSH host key of ${info.hostName} (${keyType} ${fingerprint}): ${decision}`);
        return decision;
      });
      pending.finally(() => this.asking.delete(key)).catch(() => undefined);
      this.asking.set(key, pending);
    }
    return pending;
  };

  /** Lets an explicit action (Test Connection, Refresh) ask again about keys refused earlier. */
  forgetRejections(): void {
    this.rejected.clear();
  }

  private async ask(fingerprint: string, keyType: string, info: UnknownHostInfo): Promise<UnknownHostDecision> {
    const once = vscode.l10n.t('Trust Once');
    const save = vscode.l10n.t('Trust and Save');
    const other =
      info.otherKnownTypes.length > 0
        ? `\n\n${vscode.l10n.t('known_hosts has a key of another type for this host ({0}); the server offered this one instead.', info.otherKnownTypes.join(', '))}`
        : '';
    const choice = await notify.warn(
      vscode.l10n.t("The authenticity of the SSH host {0} can't be established.", info.hostName),
      {
        modal: true,
        detail:
          vscode.l10n.t('{0} key fingerprint is {1}.', keyType, fingerprint) +
          '\n\n' +
          vscode.l10n.t(
            'Compare it with the server\'s own (on the server: ssh-keygen -lf /etc/ssh/ssh_host_{0}_key.pub) before trusting it. "Trust Once" lasts until VS Code closes; "Trust and Save" adds it to {1}.',
            keyType.replace(/^ssh-|^ecdsa-sha2-.*$/, (m) => (m === 'ssh-' ? '' : 'ecdsa')),
            info.saveTo,
          ) +
          other,
      },
      once,
      save,
    );
    return choice === once ? 'accept-once' : choice === save ? 'accept-and-save' : 'reject';
  }
}
