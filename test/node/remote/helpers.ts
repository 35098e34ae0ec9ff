/**
 * Shared helpers of the SSH layer tests: targets for the real sshd fixture and throwaway known_hosts files.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type HostKeyOptions, type SshAuth, type SshTarget } from '../../../src/core/remote';
import { type SshdFixture } from '../../fixtures/sshd';
import { run } from '../../fixtures/util';

/** A target for the fixture with the given auth (key auth by default). */
export function targetFor(sshd: SshdFixture, auth?: SshAuth, extra: Partial<SshTarget> = {}): SshTarget {
  return {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    auth: auth ?? { kind: 'key', path: sshd.clientKeyPath },
    connectTimeoutMs: 10_000,
    ...extra,
  };
}

/** A temp dir removed by {@link TempDir.remove}. */
export class TempDir {
  readonly path = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-remote-test-'));

  file(name: string, content?: string): string {
    const file = path.join(this.path, name);
    if (content !== undefined) fs.writeFileSync(file, content);
    return file;
  }

  remove(): void {
    fs.rmSync(this.path, { recursive: true, force: true });
  }
}

/** Host key options trusting exactly the fixture (its known_hosts line in a private file). */
export function trustFixture(sshd: SshdFixture, dir: TempDir): HostKeyOptions {
  return { knownHostsFiles: [dir.file('known_hosts_trusted', `${sshd.knownHostsLine}\n`)] };
}

/** `SHA256:…` of a public key file, from OpenSSH's own `ssh-keygen -l` (not from our code). */
export async function opensshFingerprint(publicKeyFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile]);
  const fp = stdout.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen output: ${stdout}`);
  return fp;
}

/**
 * A TCP server that accepts connections and then does `behaviour`: stays silent (a tarpit: the SSH banner
 * never comes) or closes them at once.
 */
export async function fakeServer(behaviour: 'silent' | 'close'): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    if (behaviour === 'close') socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
