/**
 * SshSession against the real OpenSSH server of the test fixture (no mocks): authentication, connect errors,
 * host key verification, exec, cancel, shell.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  isSshError,
  quoteShellArg,
  SshError,
  SshHostKeyError,
  SshSession,
  type OnUnknownHost,
  type SshConnectOptions,
} from '../../../src/core/remote';
import { sharedSshd, type SshdFixture } from '../../fixtures/sshd';
import { freePort, run, waitFor } from '../../fixtures/util';
import { fakeServer, opensshFingerprint, targetFor, TempDir, trustFixture } from './helpers';

function expectSshError(code: SshError['code'], message?: RegExp): (error: unknown) => true {
  return (error: unknown) => {
    assert.ok(error instanceof SshError, `expected an SshError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  };
}

let sleeps = 0;
/**
 * `sleep 30.<unique digits>`: a remote command line no other test (or a parallel run as the same test user)
 * has, so `pgrep -fx` finds exactly ours.
 */
function uniqueSleep(): string {
  return `sleep 30.${process.pid}${++sleeps}`;
}

/** Exit code of `pgrep -fx <commandLine>` on the server: 1 when no such process is left. */
async function pgrepExit(session: SshSession, commandLine: string): Promise<number | null> {
  return (await session.exec(`pgrep -fx ${quoteShellArg(commandLine)}`)).exitCode;
}

describe('remote: SshSession against a real sshd', function () {
  this.timeout(30_000);
  let sshd: SshdFixture;
  let tmp: TempDir;
  let trusted: SshConnectOptions;
  let hostFingerprint: string;
  const sessions: SshSession[] = [];

  async function connect(...args: Parameters<typeof SshSession.connect>): Promise<SshSession> {
    const session = await SshSession.connect(...args);
    sessions.push(session);
    return session;
  }

  before(async () => {
    sshd = await sharedSshd();
    tmp = new TempDir();
    trusted = { hostKeys: trustFixture(sshd, tmp) };
    hostFingerprint = await opensshFingerprint(`${sshd.hostKeyPath}.pub`);
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  after(() => tmp.remove());

  describe('authentication', () => {
    it('logs in with the client key', async () => {
      const session = await connect(targetFor(sshd), trusted);
      assert.equal(session.state, 'open');
      assert.deepEqual(session.hostKey, { keyType: 'ssh-ed25519', fingerprint: hostFingerprint, trust: 'known' });
      const result = await session.exec('whoami', { capture: true });
      assert.equal(result.stdout, `${sshd.user}\n`);
    });

    it('logs in with the password', async () => {
      const session = await connect(targetFor(sshd, { kind: 'password', password: sshd.password }), trusted);
      assert.equal((await session.exec('true')).exitCode, 0);
    });

    it('logs in through an ssh-agent holding the key', async () => {
      const socket = path.join(tmp.path, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      try {
        await waitFor('ssh-agent socket', () => fs.existsSync(socket), { timeoutMs: 5_000, intervalMs: 20 });
        await run('ssh-add', [sshd.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
        const session = await connect(targetFor(sshd, { kind: 'agent', socket }), trusted);
        assert.equal((await session.exec('true')).exitCode, 0);
      } finally {
        agent.kill();
      }
    });

    it('uses an encrypted key with its passphrase, and says so without it or with a wrong one', async () => {
      const encrypted = path.join(tmp.path, 'client_encrypted');
      fs.copyFileSync(sshd.clientKeyPath, encrypted);
      fs.chmodSync(encrypted, 0o600);
      await run('ssh-keygen', ['-q', '-p', '-N', 'correct horse', '-P', '', '-f', encrypted]);
      const session = await connect(
        targetFor(sshd, { kind: 'key', path: encrypted, passphrase: 'correct horse' }),
        trusted,
      );
      assert.equal((await session.exec('true')).exitCode, 0);
      await assert.rejects(
        SshSession.connect(targetFor(sshd, { kind: 'key', path: encrypted }), trusted),
        expectSshError('key-unusable', /is encrypted: a passphrase is needed/),
      );
      await assert.rejects(
        SshSession.connect(targetFor(sshd, { kind: 'key', path: encrypted, passphrase: 'wrong' }), trusted),
        expectSshError('key-unusable', /Wrong passphrase/),
      );
    });

    it('wrong password → "Authentication failed for user@host:port (methods tried: …)"', async () => {
      const started = Date.now();
      await assert.rejects(
        SshSession.connect(targetFor(sshd, { kind: 'password', password: 'wrong' }), trusted),
        expectSshError(
          'auth-failed',
          new RegExp(
            `^Authentication failed for ${sshd.user}@127\\.0\\.0\\.1:${sshd.port} \\(methods tried: password; the server accepts: publickey, password\\)$`,
          ),
        ),
      );
      assert.ok(Date.now() - started < 10_000);
    });

    it('a key the server does not know → auth-failed naming publickey', async () => {
      const stranger = path.join(tmp.path, 'stranger');
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
      await assert.rejects(
        SshSession.connect(targetFor(sshd, { kind: 'key', path: stranger }), trusted),
        expectSshError('auth-failed', /\(methods tried: publickey; the server accepts: publickey, password\)/),
      );
    });

    it('a missing key file or agent socket fails before connecting', async () => {
      await assert.rejects(
        SshSession.connect(targetFor(sshd, { kind: 'key', path: path.join(tmp.path, 'nope') }), trusted),
        expectSshError('key-unusable', /Cannot read the private key .*nope.*ENOENT/),
      );
      await assert.rejects(
        SshSession.connect(targetFor(sshd, { kind: 'key', path: `${sshd.clientKeyPath}.pub` }), trusted),
        expectSshError('key-unusable'),
      );
      await assert.rejects(
        SshSession.connect(targetFor(sshd, { kind: 'agent', socket: path.join(tmp.path, 'no.sock') }), trusted),
        expectSshError('agent-unavailable', /does not exist/),
      );
    });
  });

  describe('connect errors', () => {
    it('connection refused on a closed port, at once', async () => {
      const port = await freePort();
      const started = Date.now();
      await assert.rejects(
        SshSession.connect(targetFor(sshd, undefined, { port }), trusted),
        expectSshError(
          'connection-refused',
          new RegExp(`^Connection refused by 127\\.0\\.0\\.1:${port} — no SSH server is listening`),
        ),
      );
      assert.ok(Date.now() - started < 2_000, 'refused fast');
    });

    it('an unresolvable host name → dns-failed', async () => {
      await assert.rejects(
        SshSession.connect(targetFor(sshd, undefined, { host: 'no-such-host.invalid' }), trusted),
        expectSshError(
          'dns-failed',
          /^Cannot resolve the host name "no-such-host\.invalid" of driftguard@no-such-host\.invalid:\d+: /,
        ),
      );
    });

    it('a server that never speaks SSH → timeout naming the phase, no hang', async () => {
      const tarpit = await fakeServer('silent');
      try {
        const started = Date.now();
        await assert.rejects(
          SshSession.connect(targetFor(sshd, undefined, { port: tarpit.port, connectTimeoutMs: 700 }), trusted),
          expectSshError('timeout', /^Timed out after 700 ms connecting to .* \(during the SSH handshake\)$/),
        );
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 650 && elapsed < 2_000, `took ${elapsed} ms`);
      } finally {
        await tarpit.close();
      }
    });

    it('a server that is not SSH and hangs up → protocol error', async () => {
      const http = await fakeServer('close');
      try {
        await assert.rejects(
          SshSession.connect(targetFor(sshd, undefined, { port: http.port }), trusted),
          expectSshError('protocol'),
        );
      } finally {
        await http.close();
      }
    });
  });

  describe('host keys', () => {
    /** Connect options recording ssh2's protocol log, to prove nothing was sent after a refusal. */
    function withProtocolLog(options: SshConnectOptions): { options: SshConnectOptions; lines: string[] } {
      const lines: string[] = [];
      return { options: { ...options, protocolDebug: true, log: (l) => lines.push(l) }, lines };
    }

    it('unknown host: the callback gets the SHA256 fingerprint; reject → refused before authentication', async () => {
      const calls: Parameters<OnUnknownHost>[] = [];
      const knownHosts = tmp.file('kh_unknown', '');
      const { options, lines } = withProtocolLog({
        hostKeys: {
          knownHostsFiles: [knownHosts],
          onUnknownHost: (...args) => {
            calls.push(args);
            return 'reject';
          },
        },
      });
      await assert.rejects(SshSession.connect(targetFor(sshd), options), (error: unknown) => {
        assert.ok(error instanceof SshHostKeyError);
        assert.equal(error.code, 'host-key-rejected');
        assert.match(
          error.message,
          new RegExp(
            `The SSH host key of \\[127\\.0\\.0\\.1\\]:${sshd.port} \\(${hostFingerprint.replace(/[+/]/g, '\\$&')}, ssh-ed25519\\) is not trusted`,
          ),
        );
        return true;
      });
      assert.equal(calls.length, 1);
      const [fingerprint, keyType, info] = calls[0];
      assert.equal(fingerprint, hostFingerprint);
      assert.equal(keyType, 'ssh-ed25519');
      assert.equal(info.hostName, `[127.0.0.1]:${sshd.port}`);
      assert.equal(info.saveTo, knownHosts);
      assert.ok(!lines.some((l) => /USERAUTH_REQUEST/.test(l)), 'no authentication attempt was sent');
      assert.ok(lines.some((l) => /Host denied/.test(l)));
      assert.equal(fs.readFileSync(knownHosts, 'utf8'), '');
    });

    it('a failing callback (e.g. the prompt was dismissed with an error) refuses the host', async () => {
      await assert.rejects(
        SshSession.connect(targetFor(sshd), {
          hostKeys: {
            knownHostsFiles: [tmp.file('kh_throw', '')],
            onUnknownHost: () => Promise.reject(new Error('window closed')),
          },
        }),
        expectSshError('host-key-rejected', /the confirmation failed: window closed/),
      );
    });

    it('without a callback an unknown host is refused', async () => {
      await assert.rejects(
        SshSession.connect(targetFor(sshd), { hostKeys: { knownHostsFiles: [tmp.file('kh_empty', '')] } }),
        expectSshError('host-key-rejected', /not in known_hosts/),
      );
    });

    it('accept-once connects without saving; accept-and-save appends the line so the next connect trusts it', async () => {
      const knownHosts = tmp.file('kh_accept', `# mine\nother.example ssh-ed25519 ${sshd.hostPublicKey.split(' ')[1]}`);
      const before = fs.readFileSync(knownHosts, 'utf8');
      const once = await connect(targetFor(sshd), {
        hostKeys: { knownHostsFiles: [knownHosts], onUnknownHost: () => 'accept-once' },
      });
      assert.equal(once.hostKey.trust, 'accepted-once');
      assert.equal(fs.readFileSync(knownHosts, 'utf8'), before);

      const saved = await connect(targetFor(sshd), {
        hostKeys: { knownHostsFiles: [knownHosts], onUnknownHost: () => Promise.resolve('accept-and-save' as const) },
      });
      assert.equal(saved.hostKey.trust, 'saved');
      await waitFor('the saved line', () => fs.readFileSync(knownHosts, 'utf8').includes(sshd.knownHostsLine), {
        timeoutMs: 5_000,
        intervalMs: 20,
      });
      assert.equal(fs.readFileSync(knownHosts, 'utf8'), `${before}\n${sshd.knownHostsLine}\n`);

      const again = await connect(targetFor(sshd), { hostKeys: { knownHostsFiles: [knownHosts] } });
      assert.equal(again.hostKey.trust, 'known');
    });

    it('accept-and-save can write a hashed host name that ssh-keygen -F finds', async () => {
      const knownHosts = tmp.file('kh_hashed_save', '');
      await connect(targetFor(sshd), {
        hostKeys: { knownHostsFiles: [knownHosts], hashSavedHostNames: true, onUnknownHost: () => 'accept-and-save' },
      });
      await waitFor('the saved line', () => fs.readFileSync(knownHosts, 'utf8').startsWith('|1|'), {
        timeoutMs: 5_000,
        intervalMs: 20,
      });
      const { stdout } = await run('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', knownHosts]);
      assert.match(stdout, /ssh-ed25519/);
    });

    it('changed key: refused with a warning naming the host and both fingerprints; the callback is not asked', async () => {
      const other = path.join(tmp.path, 'other_host_key');
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
      const otherKey = fs.readFileSync(`${other}.pub`, 'utf8').split(' ')[1];
      const otherFingerprint = await opensshFingerprint(`${other}.pub`);
      const knownHosts = tmp.file('kh_changed', `# line 1\n[127.0.0.1]:${sshd.port} ssh-ed25519 ${otherKey}\n`);
      let asked = false;
      const { options, lines } = withProtocolLog({
        hostKeys: {
          knownHostsFiles: [knownHosts],
          onUnknownHost: () => {
            asked = true;
            return 'accept-once';
          },
        },
      });
      await assert.rejects(SshSession.connect(targetFor(sshd), options), (error: unknown) => {
        assert.ok(error instanceof SshHostKeyError);
        assert.equal(error.code, 'host-key-changed');
        assert.ok(
          error.message.startsWith(
            `WARNING: the SSH host key of [127.0.0.1]:${sshd.port} has CHANGED. Not connecting to ${sshd.user}@127.0.0.1:${sshd.port}.`,
          ),
          error.message,
        );
        assert.ok(
          error.message.includes(
            `Expected ${otherFingerprint} (ssh-ed25519, ${knownHosts}:2); the server presented ${hostFingerprint}.`,
          ),
          error.message,
        );
        assert.ok(error.message.includes(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f ${knownHosts}`), error.message);
        assert.deepEqual(error.mismatch.expected, [{ fingerprint: otherFingerprint, file: knownHosts, line: 2 }]);
        assert.equal(error.mismatch.presented, hostFingerprint);
        return true;
      });
      assert.equal(asked, false);
      assert.ok(!lines.some((l) => /USERAUTH_REQUEST/.test(l)), 'no authentication attempt was sent');
    });

    it('a hashed known_hosts entry (ssh-keygen -H) is trusted', async () => {
      const knownHosts = tmp.file('kh_hashed', `${sshd.knownHostsLine}\n`);
      await run('ssh-keygen', ['-q', '-H', '-f', knownHosts]);
      const content = fs.readFileSync(knownHosts, 'utf8');
      assert.match(content, /^\|1\|/);
      assert.ok(!content.includes('127.0.0.1'));
      const session = await connect(targetFor(sshd), { hostKeys: { knownHostsFiles: [knownHosts] } });
      assert.equal(session.hostKey.trust, 'known');
    });

    it('a @revoked host key is refused', async () => {
      const knownHosts = tmp.file('kh_revoked', `${sshd.knownHostsLine}\n@revoked * ${sshd.hostPublicKey}\n`);
      await assert.rejects(
        SshSession.connect(targetFor(sshd), { hostKeys: { knownHostsFiles: [knownHosts] } }),
        expectSshError('host-key-revoked', /is marked @revoked in .*kh_revoked:2/),
      );
    });

    it('a re-key keeps the accepted key without asking again', async () => {
      let asked = 0;
      const session = await connect(targetFor(sshd), {
        hostKeys: {
          knownHostsFiles: [tmp.file('kh_rekey', '')],
          onUnknownHost: () => {
            asked++;
            return 'accept-once';
          },
        },
      });
      // Reaching into the ssh2 client: re-keys happen on their own after a GB or an hour, too slow for a test.
      const client = (
        session as unknown as {
          client: { _protocol: { rekey(): void }; once(event: 'handshake', listener: () => void): void };
        }
      ).client;
      const rekeyed = new Promise<void>((resolve) => client.once('handshake', resolve));
      client._protocol.rekey();
      await rekeyed;
      assert.equal((await session.exec('echo after-rekey', { capture: true })).stdout, 'after-rekey\n');
      assert.equal(asked, 1);
    });

    it('the connect timeout does not run while the user decides', async () => {
      const session = await connect(targetFor(sshd, undefined, { connectTimeoutMs: 1_000 }), {
        hostKeys: {
          knownHostsFiles: [tmp.file('kh_slow', '')],
          onUnknownHost: () => new Promise((resolve) => setTimeout(() => resolve('accept-once'), 1_500)),
        },
      });
      assert.equal(session.hostKey.trust, 'accepted-once');
    });
  });

  describe('exec', () => {
    let session: SshSession;
    beforeEach(async () => {
      session = await connect(targetFor(sshd), trusted);
    });

    it('streams stdout and stderr and returns the exit code', async () => {
      let out = '';
      let err = '';
      const result = await session.exec('echo out; echo err >&2; exit 3', {
        onStdout: (t) => (out += t),
        onStderr: (t) => (err += t),
      });
      assert.equal(out, 'out\n');
      assert.equal(err, 'err\n');
      assert.equal(result.exitCode, 3);
      assert.equal(result.cancelled, false);
      assert.equal(result.signal, undefined);
      assert.ok(result.durationMs >= 0);
    });

    it('passes env (quoted) and stdin', async () => {
      const result = await session.exec('printf "%s|" "$GREETING"; cat', {
        env: { GREETING: 'it\'s "quoted" $HOME' },
        stdin: 'from stdin',
        capture: true,
      });
      assert.equal(result.stdout, `it's "quoted" $HOME|from stdin`);
    });

    it('never splits a multi-byte character between output callbacks', async () => {
      const chunks: string[] = [];
      const result = await session.exec(`for i in $(seq 1 20000); do printf 'é€'; done`, {
        onStdout: (t) => chunks.push(t),
        capture: true,
      });
      const all = chunks.join('');
      assert.equal(all.length, 40_000);
      assert.ok(!all.includes('\uFFFD'));
      assert.equal(result.stdout, all);
    });

    it('never loses the exit status of instant commands (it can arrive in the same read as the exec reply)', async () => {
      // Before the channel was wrapped synchronously in ssh2's callback, about a third of these came back null.
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => session.exec(i % 2 ? 'exit 7' : 'kill -KILL $$')),
        );
        for (const [i, r] of results.entries()) {
          if (i % 2) assert.equal(r.exitCode, 7);
          else assert.equal(r.signal, 'SIGKILL');
        }
      }
    });

    it('reports a process killed by a signal', async () => {
      const result = await session.exec('kill -KILL $$');
      assert.equal(result.exitCode, null);
      assert.equal(result.signal, 'SIGKILL');
    });

    it('cancel via AbortSignal stops `sleep 30` promptly and kills it on the server', async () => {
      const controller = new AbortController();
      const sleep = uniqueSleep();
      const running = session.exec(sleep, { signal: controller.signal });
      // Seen running first, so that "no sleep left" below proves the kill.
      await waitFor('the sleep to start on the server', async () => (await pgrepExit(session, sleep)) === 0, {
        timeoutMs: 10_000,
      });
      const aborted = Date.now();
      controller.abort();
      const result = await running;
      const elapsed = Date.now() - aborted;
      assert.equal(result.cancelled, true);
      assert.equal(result.signal, 'SIGTERM');
      assert.ok(elapsed < 1_500, `took ${elapsed} ms`);
      assert.equal(await pgrepExit(session, sleep), 1, 'no sleep left on the server');
    });

    it('cancel kills the whole command line (the process group), not only the shell', async () => {
      const controller = new AbortController();
      const sleep = uniqueSleep();
      const running = session.exec(`${sleep}; echo never`, { signal: controller.signal, capture: true });
      await waitFor('the sleep to start on the server', async () => (await pgrepExit(session, sleep)) === 0, {
        timeoutMs: 10_000,
      });
      controller.abort();
      const result = await running;
      assert.equal(result.cancelled, true);
      assert.equal(result.stdout, '');
      assert.equal(await pgrepExit(session, sleep), 1);
    });

    it('cancel of a command that ignores SIGTERM still returns after the grace period', async () => {
      const controller = new AbortController();
      const sleep = uniqueSleep();
      const running = session.exec(`trap '' TERM; ${sleep}`, {
        signal: controller.signal,
        cancelGraceMs: 300,
        pty: true,
      });
      await waitFor('the sleep to start on the server', async () => (await pgrepExit(session, sleep)) === 0, {
        timeoutMs: 10_000,
      });
      const aborted = Date.now();
      controller.abort();
      const result = await running;
      assert.equal(result.cancelled, true);
      assert.ok(Date.now() - aborted < 3_000, `took ${Date.now() - aborted} ms`);
      // Closing a pty channel hangs up the terminal: the remote process goes away too.
      await waitFor('the sleep to be gone', async () => (await pgrepExit(session, sleep)) === 1, { timeoutMs: 5_000 });
    });

    it('an already aborted signal does not run the command', async () => {
      const result = await session.exec('touch /tmp/should-not-exist', { signal: AbortSignal.abort() });
      assert.equal(result.cancelled, true);
      assert.equal(result.exitCode, null);
    });

    it('runs on a pty when asked (output merged, exit code kept)', async () => {
      const result = await session.exec('tty; echo to-stderr >&2; exit 4', {
        pty: { cols: 120, rows: 40 },
        capture: true,
      });
      assert.match(result.stdout ?? '', /^\/dev\/pts\/\d+\r\nto-stderr\r\n$/);
      assert.equal(result.exitCode, 4);
    });

    it('queues channels beyond maxSessionChannels instead of failing', async () => {
      const limited = await connect(targetFor(sshd), { ...trusted, maxSessionChannels: 3 });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => limited.exec(`sleep 0.1; echo ${i}`, { capture: true })),
      );
      assert.deepEqual(
        results.map((r) => r.stdout),
        Array.from({ length: 12 }, (_, i) => `${i}\n`),
      );
    });

    it('a closed session fails pending and new execs with `closed`', async () => {
      // Short: closing the session does not kill a command without a pty (as with ssh).
      let out = '';
      const running = session.exec('echo started; sleep 5', { onStdout: (text) => (out += text) });
      await waitFor('the command to start', () => out.includes('started'), { timeoutMs: 10_000, intervalMs: 20 });
      await session.close();
      await assert.rejects(running, expectSshError('closed'));
      await assert.rejects(session.exec('true'), expectSshError('closed'));
      assert.equal(session.state, 'closed');
    });
  });

  describe('shell', () => {
    it('runs an interactive shell on a pty: input, resize, output, exit status', async () => {
      const session = await connect(targetFor(sshd), trusted);
      let out = '';
      const shell = await session.shell({ pty: { cols: 80, rows: 24 }, onStdout: (t) => (out += t) });
      shell.write('stty size; echo "answer=$((6*7))"\n');
      await waitFor('the first answer', () => out.includes('answer=42'), { timeoutMs: 10_000, intervalMs: 20 });
      assert.match(out, /24 80/);
      shell.resize(132, 50);
      shell.write('stty size; exit 5\n');
      const result = await shell.result;
      assert.match(out, /50 132/);
      assert.equal(result.exitCode, 5);
    });

    it('cancel hangs up the shell', async () => {
      const session = await connect(targetFor(sshd), trusted);
      const shell = await session.shell({ cancelGraceMs: 200 });
      const sleep = uniqueSleep();
      shell.write(`${sleep}\n`);
      // The sleep must be seen running first: otherwise "gone" below would pass for a sleep that never started.
      await waitFor('the sleep to start', async () => (await pgrepExit(session, sleep)) === 0, { timeoutMs: 10_000 });
      shell.cancel();
      const result = await shell.result;
      assert.equal(result.cancelled, true);
      await waitFor('the sleep to be gone', async () => (await pgrepExit(session, sleep)) === 1, { timeoutMs: 5_000 });
    });
  });

  it('isSshError narrows by code', () => {
    const error = new SshError('timeout', 'x', 'u@h:22');
    assert.ok(isSshError(error));
    assert.ok(isSshError(error, 'timeout', 'auth-failed'));
    assert.ok(!isSshError(error, 'auth-failed'));
    assert.ok(!isSshError(new Error('x')));
  });
});
