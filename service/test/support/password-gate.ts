import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A password-checking front for a test database that checks none (PGlite accepts any password).
 * It speaks just enough of the PostgreSQL protocol to ask the client for a cleartext password,
 * refuses a wrong one exactly as PostgreSQL does (FATAL, SQLSTATE 28P01), and otherwise replays
 * the client's startup message to the database and relays both ways. Plaintext only.
 * `password` can change at any time, as when RDS rotates the master password.
 */
export class PasswordGate {
  password: string;
  /** Passwords presented, in order, accepted or not. */
  readonly attempts: string[] = [];
  #server: Server | undefined;
  #sockets = new Set<Socket>();

  constructor(
    private readonly target: { host: string; port: number },
    password: string,
  ) {
    this.password = password;
  }

  get port(): number {
    const address = this.#server?.address();
    return address && typeof address === "object" ? address.port : 0;
  }

  async start(): Promise<void> {
    const server = createServer((socket) => this.#handle(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.#server = server;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #handle(client: Socket): void {
    this.#sockets.add(client);
    client.on("close", () => this.#sockets.delete(client));
    client.on("error", () => client.destroy());
    let buffered = Buffer.alloc(0);
    let startup: Buffer | undefined;

    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (startup === undefined) {
        // Untyped startup packet: int32 length, int32 code, parameters.
        if (buffered.length < 8) return;
        const length = buffered.readInt32BE(0);
        if (buffered.length < length) return;
        const packet = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        if (packet.readInt32BE(4) === 80877103) {
          client.write("N"); // SSLRequest: no TLS here; the client goes on in plaintext.
          return;
        }
        startup = Buffer.from(packet);
        // AuthenticationCleartextPassword
        client.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
        return;
      }
      // PasswordMessage: 'p', int32 length, password, NUL.
      if (buffered.length < 5) return;
      const length = buffered.readInt32BE(1);
      if (buffered.length < 1 + length) return;
      const presented = buffered.subarray(5, length).toString("utf8");
      const rest = buffered.subarray(1 + length);
      client.off("data", onData);
      this.attempts.push(presented);
      if (presented !== this.password) {
        client.end(errorResponse("28P01", "password authentication failed"));
        return;
      }
      const upstream = connect(this.target);
      this.#sockets.add(upstream);
      upstream.on("close", () => {
        this.#sockets.delete(upstream);
        client.destroy();
      });
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      upstream.write(startup);
      if (rest.length) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
    };
    client.on("data", onData);
  }
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, "utf8");
  const header = Buffer.alloc(5);
  header.write("E", 0);
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}
