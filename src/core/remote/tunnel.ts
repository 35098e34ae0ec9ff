/**
 * Local port forwarding (`ssh -L 127.0.0.1:0:remoteHost:remotePort`): a TCP server on 127.0.0.1 with an
 * ephemeral port whose every connection is piped through one SSH `direct-tcpip` channel.
 */
import * as net from 'node:net';
import { type Duplex } from 'node:stream';
import { type SshError } from './sshError';

/** Why a forward stopped accepting connections. */
export interface LocalForwardClosed {
  reason: 'closed' | 'session-ended';
  /** For `session-ended`: the session's error (connection lost), if any. */
  error?: SshError;
}

/** A running local forward. Point a client (e.g. `pg`) at `127.0.0.1:localPort`. */
export interface LocalForward {
  readonly localHost: '127.0.0.1';
  readonly localPort: number;
  readonly remoteHost: string;
  readonly remotePort: number;
  /** Connections currently piped. */
  readonly activeConnections: number;
  /** The last failure to open a channel for a connection (e.g. nothing listening on the remote side). */
  readonly lastError: SshError | undefined;
  /** Resolves once the forward stops: closed by us, or its session ended. Never rejects. */
  readonly closed: Promise<LocalForwardClosed>;
  /** Stops listening and drops the piped connections. Idempotent. */
  close(): Promise<void>;
}

/** Opens a channel to the remote end for one local connection. Internal to the session. */
export type OpenForwardChannel = (srcIP: string, srcPort: number) => Promise<Duplex>;

/** Options of a local forward. */
export interface LocalForwardOptions {
  /** Called when a local connection could not be forwarded (the connection is then reset). */
  onConnectionError?: (error: SshError) => void;
}

/** Starts the local server. `openChannel` is bound to a session; `onSessionEnd` registers for its end. */
export async function startLocalForward(
  remoteHost: string,
  remotePort: number,
  openChannel: OpenForwardChannel,
  onSessionEnd: (listener: (error?: SshError) => void) => () => void,
  options: LocalForwardOptions = {},
): Promise<LocalForward> {
  const sockets = new Set<net.Socket>();
  const channels = new Set<Duplex>();
  let lastError: SshError | undefined;
  let resolveClosed!: (value: LocalForwardClosed) => void;
  const closed = new Promise<LocalForwardClosed>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;

  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Errors on the local side (client reset) only end this connection.
    socket.on('error', () => socket.destroy());
    openChannel(socket.remoteAddress ?? '127.0.0.1', socket.remotePort ?? 0).then(
      (channel) => {
        if (socket.destroyed || closing) {
          channel.destroy();
          return;
        }
        channels.add(channel);
        channel.once('close', () => {
          channels.delete(channel);
          socket.destroy();
        });
        channel.on('error', () => socket.destroy());
        socket.once('close', () => channel.destroy());
        socket.pipe(channel).pipe(socket);
        socket.resume();
      },
      (error: SshError) => {
        lastError = error;
        socket.resetAndDestroy();
        options.onConnectionError?.(error);
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const localPort = typeof address === 'object' && address ? address.port : 0;

  let unsubscribe = (): void => undefined;
  const shutDown = (result: LocalForwardClosed): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      unsubscribe();
      server.close(() => resolve());
      for (const channel of channels) channel.destroy();
      for (const socket of sockets) socket.destroy();
    }).then(() => resolveClosed(result));
    return closing;
  };
  unsubscribe = onSessionEnd((error) => {
    void shutDown(error ? { reason: 'session-ended', error } : { reason: 'session-ended' });
  });

  return {
    localHost: '127.0.0.1',
    localPort,
    remoteHost,
    remotePort,
    get activeConnections() {
      return channels.size;
    },
    get lastError() {
      return lastError;
    },
    closed,
    close: () => shutDown({ reason: 'closed' }),
  };
}
