import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP relay in front of the test database, so a test can make the database vanish (stop),
 * come back (start), or stall (hold: requests reach it, answers wait) without owning the server.
 */
export class TcpProxy {
  #server: Server | undefined;
  #port = 0;
  #sockets = new Set<Socket>();
  #held: Array<() => void> | undefined;
  #onHeld: Array<() => void> = [];

  constructor(private readonly target: { host: string; port: number }) {}

  get port(): number {
    return this.#port;
  }

  /** Listens on 127.0.0.1, on the same port as before after a stop. */
  async start(): Promise<void> {
    const server = createServer((client) => this.#relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address && typeof address === "object") this.#port = address.port;
    this.#server = server;
  }

  get listening(): boolean {
    return this.#server?.listening ?? false;
  }

  /** Refuses new connections and cuts every open one: the database is gone. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** From now on, the database's answers are kept back until release(). */
  hold(): void {
    this.#held ??= [];
  }

  /** Resolves once an answer is being kept back, i.e. a query is in flight. */
  answerHeld(): Promise<void> {
    if (this.#held?.length) return Promise.resolve();
    return new Promise((resolve) => this.#onHeld.push(resolve));
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const write of held) write();
  }

  #relay(client: Socket): void {
    const upstream = connect(this.target);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    }
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => {
      if (this.#held) {
        this.#held.push(() => client.write(chunk));
        for (const notify of this.#onHeld.splice(0)) notify();
      } else {
        client.write(chunk);
      }
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => {
      // A server that closes after answering (HTTP): the held answer is delivered before the close.
      if (this.#held) this.#held.push(() => client.end());
      else client.destroy();
    });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  }
}
