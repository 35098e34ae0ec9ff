/**
 * Entry bundled by test/node/remote/bundle.test.ts with the project's own webpack node config: opens an SSH
 * session, runs a command, talks to PostgreSQL through a local forward, and prints one JSON line with the
 * results and the native addons that were loaded (none expected: webpack leaves out ssh2's optional
 * `cpu-features` and `sshcrypto.node`, so ssh2 runs on its pure-JS crypto, as in the shipped bundles).
 *
 * The PostgreSQL side is a raw SSLRequest rather than `pg`: this check is about ssh2, and keeps working
 * whatever the bundle does with pg's package exports.
 *
 * Input: argv[2] is a JSON {@link BundleCheckInput}.
 */
// First: records native addon loads from here on.
import { nativeModulesLoaded } from './recordNativeLoads';
import * as net from 'node:net';
import { SshSession } from '../../src/core/remote';

/** What the test passes in argv[2]. */
export interface BundleCheckInput {
  host: string;
  port: number;
  user: string;
  keyPath: string;
  knownHostsFile: string;
  /** PostgreSQL's port as seen from the SSH server. */
  pgPort: number;
}

/** Sends PostgreSQL's SSLRequest to 127.0.0.1:port and resolves with the one-byte answer (`S` or `N`). */
function sslRequest(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const request = Buffer.alloc(8);
    request.writeInt32BE(8, 0);
    request.writeInt32BE(80877103, 4);
    socket.once('connect', () => socket.write(request));
    socket.once('data', (data: Buffer) => {
      socket.destroy();
      resolve(data.subarray(0, 1).toString('latin1'));
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before an answer')));
  });
}

async function check(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as BundleCheckInput;
  const session = await SshSession.connect(
    { host: input.host, port: input.port, user: input.user, auth: { kind: 'key', path: input.keyPath } },
    { hostKeys: { knownHostsFiles: [input.knownHostsFile] } },
  );
  try {
    const result = await session.exec('echo bundled; exit 7', { capture: true });
    const forward = await session.forwardLocal('127.0.0.1', input.pgPort);
    const sslAnswer = await sslRequest(forward.localPort);
    await forward.close();
    process.stdout.write(
      `${JSON.stringify({ stdout: result.stdout, exitCode: result.exitCode, sslAnswer, hostKey: session.hostKey, nativeModulesLoaded })}\n`,
    );
  } finally {
    await session.close();
  }
}

check().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
