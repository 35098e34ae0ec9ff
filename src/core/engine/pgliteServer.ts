/**
 * Serves one PGlite instance to ordinary PostgreSQL clients (`pg`, the schema engine's adapter, psql) over TCP
 * on loopback, for the demo databases of `npm start`.
 *
 * Owned code rather than `@electric-sql/pglite-socket`: its releases pin an exact PGlite (0.5.14 for 0.2.17,
 * we run 0.5.16) and pull eight extension packages in as required peers; and it interleaves the connections
 * message by message, so two clients using the extended protocol (Parse/Bind/Execute/Sync) at once can bind
 * each other's unnamed statement.
 *
 * PGlite has one backend session. Here each client connection owns that session from its first message until
 * the backend says ReadyForQuery *idle* (`I`): a whole query cycle, or a whole transaction, runs without
 * another connection's messages in between; the others wait in arrival order. So that a client that keeps a
 * transaction open and waits for another connection can never block everyone, an owner that sends nothing
 * for {@link PgliteServerOptions.idleOwnerTimeoutMs} while others wait is disconnected and its transaction
 * rolled back (as PostgreSQL's `idle_in_transaction_session_timeout` does). The startup exchange is answered
 * here (trust authentication, the server's parameters), so connecting never waits for another client.
 */
import { randomInt } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };

/** Options of {@link PgliteServer}. */
export interface PgliteServerOptions {
  /** Default `127.0.0.1`: the server has no authentication, it must not listen beyond loopback. */
  host?: string;
  /** Default 0: a free port chosen by the system. */
  port?: number;
  /** How long a connection may hold the session without sending anything while others wait. Default 60 s. */
  idleOwnerTimeoutMs?: number;
  log?: (message: string) => void;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

/** One client connection: its socket, the bytes not yet framed and the complete messages waiting their turn. */
class Connection {
  buffer: Buffer = Buffer.alloc(0);
  started = false;
  closed = false;
  readonly pending: Buffer[] = [];

  constructor(
    readonly id: number,
    readonly socket: Socket,
  ) {}
}

/** A TCP server in front of one PGlite instance (see the module comment). */
export class PgliteServer {
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  /** The connection that holds the session, if any. */
  private owner: Connection | undefined;
  /** Connections with messages waiting, in arrival order (the owner is never in it). */
  private readonly waiting: Connection[] = [];
  private running = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  /** A message of the owner is being executed. */
  private busy = false;
  private parameters: Array<[string, string]> = [];
  private address: AddressInfo | undefined;

  constructor(
    private readonly db: PGlite,
    private readonly options: PgliteServerOptions = {},
  ) {}

  /** Starts listening; resolves with the address actually bound. */
  async start(): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error('the PGlite server is already started');
    const show = async (name: string): Promise<string> => {
      const result = await this.db.query<Record<string, string>>(`SHOW ${name}`);
      return Object.values(result.rows[0] ?? {})[0] ?? '';
    };
    this.parameters = [
      ['server_version', await show('server_version')],
      ['server_encoding', 'UTF8'],
      ['client_encoding', 'UTF8'],
      ['DateStyle', await show('DateStyle')],
      ['TimeZone', await show('TimeZone')],
      ['integer_datetimes', 'on'],
      ['standard_conforming_strings', 'on'],
      ['IntervalStyle', 'postgres'],
      ['is_superuser', 'on'],
    ];
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.running = true;
    this.address = server.address() as AddressInfo;
    return { host: this.address.address, port: this.address.port };
  }

  /** The number of open client connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops listening and closes every connection (an open transaction is rolled back). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const connection of [...this.connections]) connection.socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    // Wait for a query in flight to finish, so the caller may close the database afterwards.
    await this.db.runExclusive(() => Promise.resolve());
  }

  private accept(socket: Socket): void {
    if (!this.running) {
      socket.destroy();
      return;
    }
    const connection = new Connection(this.nextId++, socket);
    this.connections.add(connection);
    socket.setNoDelay(true);
    socket.on('data', (data) => this.receive(connection, data));
    socket.on('error', (error) => this.log(`connection ${connection.id}: ${error.message}`));
    socket.on('close', () => void this.closed(connection));
  }

  private receive(connection: Connection, data: Buffer): void {
    connection.buffer = connection.buffer.length ? Buffer.concat([connection.buffer, data]) : data;
    try {
      for (;;) {
        const message = this.takeMessage(connection);
        if (!message) break;
        if (!connection.started) {
          this.startup(connection, message);
          continue;
        }
        if (message[0] === 0x58 /* X: Terminate */) {
          connection.socket.end();
          return;
        }
        connection.pending.push(message);
        if (this.owner !== connection && !this.waiting.includes(connection)) this.waiting.push(connection);
      }
    } catch (error) {
      this.fatal(connection, '08P01', (error as Error).message);
      return;
    }
    this.schedule();
  }

  /** The next complete message in the connection's buffer (startup packets have no type byte). */
  private takeMessage(connection: Connection): Buffer | undefined {
    const buffer = connection.buffer;
    const headerLength = connection.started ? 5 : 4;
    if (buffer.length < headerLength) return undefined;
    const length = connection.started ? buffer.readInt32BE(1) + 1 : buffer.readInt32BE(0);
    if (length < (connection.started ? 5 : 8) || length > 1 << 30) {
      throw new Error(`invalid message length ${length}`);
    }
    if (buffer.length < length) return undefined;
    connection.buffer = buffer.subarray(length);
    return buffer.subarray(0, length);
  }

  /** SSL/GSS requests are declined, a cancel request is ignored (PGlite cannot interrupt a query), startup succeeds. */
  private startup(connection: Connection, message: Buffer): void {
    const code = message.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      connection.socket.write('N');
      return;
    }
    if (code === CANCEL_REQUEST) {
      connection.socket.end();
      return;
    }
    if (code !== PROTOCOL_3) throw new Error(`unsupported frontend protocol ${code >>> 16}.${code & 0xffff}`);
    connection.started = true;
    const out: Buffer[] = [frame('R', int32(0))];
    for (const [name, value] of this.parameters) out.push(frame('S', Buffer.concat([cstring(name), cstring(value)])));
    out.push(frame('K', Buffer.concat([int32(connection.id), int32(randomInt(1, 0x7fffffff))])));
    out.push(frame('Z', Buffer.from('I')));
    connection.socket.write(Buffer.concat(out));
  }

  /** Gives the session to the next waiting connection when it is free, and runs the owner's messages. */
  private schedule(): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (this.busy) return;
    if (!this.owner) {
      const next = this.waiting.shift();
      if (!next) return;
      this.owner = next;
    }
    const owner = this.owner;
    if (owner.pending.length === 0) {
      // The owner is inside a transaction or an unfinished extended-protocol cycle and has nothing to send.
      if (this.waiting.length > 0) {
        const timeout = this.options.idleOwnerTimeoutMs ?? 60_000;
        this.idleTimer = setTimeout(() => {
          this.fatal(
            owner,
            '25P03',
            l10n.t(
              "terminating connection: it held the embedded database's only session for {0} s without sending anything while other connections waited",
              Math.round(timeout / 1000),
            ),
          );
        }, timeout);
      }
      return;
    }
    void this.runOwner(owner);
  }

  private async runOwner(owner: Connection): Promise<void> {
    this.busy = true;
    try {
      while (owner.pending.length > 0 && this.owner === owner && !owner.closed) {
        const message = owner.pending.shift() as Buffer;
        const response = await this.db.runExclusive(() => this.db.execProtocolRaw(new Uint8Array(message)));
        if (!owner.closed && response.length > 0) owner.socket.write(response);
        const status = lastReadyStatus(response);
        if (status === 'I') {
          // Idle: the session is free. Let the next connection have a turn; this one queues again if it has more.
          this.owner = undefined;
          if (owner.pending.length > 0) this.waiting.push(owner);
          break;
        }
      }
    } catch (error) {
      this.fatal(owner, 'XX000', l10n.t('the embedded database failed: {0}', (error as Error).message));
    } finally {
      this.busy = false;
    }
    this.schedule();
  }

  /** Sends a FATAL error to the client and closes its connection. */
  private fatal(connection: Connection, code: string, message: string): void {
    this.log(`connection ${connection.id}: ${message}`);
    if (!connection.closed && connection.socket.writable) {
      const fields = Buffer.concat([
        Buffer.from('S'),
        cstring('FATAL'),
        Buffer.from('V'),
        cstring('FATAL'),
        Buffer.from('C'),
        cstring(code),
        Buffer.from('M'),
        cstring(message),
        Buffer.from([0]),
      ]);
      connection.socket.end(frame('E', fields));
    }
    connection.socket.destroy();
  }

  private async closed(connection: Connection): Promise<void> {
    connection.closed = true;
    connection.pending.length = 0;
    this.connections.delete(connection);
    const index = this.waiting.indexOf(connection);
    if (index >= 0) this.waiting.splice(index, 1);
    if (this.owner === connection) {
      // Wait for its message in flight, then undo what it left open, as a backend does when its client goes.
      while (this.busy) await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.owner === connection) {
        this.busy = true;
        try {
          await this.db.runExclusive(async () => {
            await this.db.execProtocolRaw(new Uint8Array(frame('S', Buffer.alloc(0))));
            // Not db.exec: it takes the same lock as runExclusive.
            if (this.db.isInTransaction()) {
              await this.db.execProtocolRaw(new Uint8Array(frame('Q', cstring('ROLLBACK'))));
            }
          });
        } catch (error) {
          this.log(`connection ${connection.id}: rolling back after close failed: ${(error as Error).message}`);
        } finally {
          this.busy = false;
          this.owner = undefined;
        }
      }
    }
    this.schedule();
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}

/** The status byte of the last ReadyForQuery in a backend response, if it has one. */
export function lastReadyStatus(response: Uint8Array): 'I' | 'T' | 'E' | undefined {
  let status: 'I' | 'T' | 'E' | undefined;
  let offset = 0;
  const view = Buffer.from(response.buffer, response.byteOffset, response.byteLength);
  while (offset + 5 <= view.length) {
    const type = view[offset];
    const length = view.readInt32BE(offset + 1);
    if (type === 0x5a /* Z */ && length === 5 && offset + 6 <= view.length) {
      status = String.fromCharCode(view[offset + 5]) as 'I' | 'T' | 'E';
    }
    offset += 1 + length;
  }
  return status;
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

function cstring(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

function frame(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}
