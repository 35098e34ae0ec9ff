import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type SshdFixture } from '../../fixtures/sshd';

/** A known_hosts file in `dir` that pins `sshd` to another (freshly generated) host key: a changed key. */
export function knownHostsWithChangedKey(dir: string, sshd: SshdFixture): string {
  const otherKey = path.join(dir, 'other_host_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
  const [type, key] = readFileSync(`${otherKey}.pub`, 'utf8').split(/\s+/);
  const file = path.join(dir, 'known_hosts_changed');
  writeFileSync(file, `[${sshd.host}]:${sshd.port} ${type} ${key}\n`);
  return file;
}
