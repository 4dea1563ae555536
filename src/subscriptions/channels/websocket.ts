import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The R4 websocket channel (hl7.org/fhir/R4/subscription.html#2.46.7.2): a client connects to
 * the advertised URL and sends `bind [id]`; on each notification the server sends `ping [id]`
 * and the client fetches what it needs with its own token. Only the id travels on the socket.
 * Sockets are held by the instance they connected to.
 */
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const MAX_BINDINGS_PER_SOCKET = 64;

export class WebsocketHub {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly bound = new Map<string, Set<WebSocket>>();

  constructor(
    private readonly path: string,
    /** Whether `id` names a Subscription with a websocket channel (unknown ids are refused). */
    private readonly isWebsocketSubscription: (id: string) => Promise<boolean>,
  ) {}

  /** Takes the upgrade requests for our path on `server`. */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (request.url ?? '').split('?')[0];
      if (path !== this.path) return;
      this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
    });
  }

  private accept(ws: WebSocket): void {
    const mine = new Set<string>();
    ws.on('message', (data) => {
      const text = data.toString().trim();
      const match = /^bind (\S+)$/.exec(text);
      if (!match || !ID.test(match[1] as string)) {
        ws.send('error unknown command (expected: bind [id])');
        return;
      }
      const id = match[1] as string;
      void this.isWebsocketSubscription(id).then(
        (ok) => {
          if (!ok || mine.size >= MAX_BINDINGS_PER_SOCKET) return ws.send(`error ${id}`);
          mine.add(id);
          let set = this.bound.get(id);
          if (!set) this.bound.set(id, (set = new Set()));
          set.add(ws);
          ws.send(`bound ${id}`);
        },
        () => ws.send(`error ${id}`),
      );
    });
    ws.on('close', () => {
      for (const id of mine) {
        const set = this.bound.get(id);
        set?.delete(ws);
        if (set?.size === 0) this.bound.delete(id);
      }
    });
    ws.on('error', () => ws.terminate());
  }

  /** Sends `ping [id]` to every socket bound to `id`; the number reached. */
  ping(id: string): number {
    let reached = 0;
    for (const ws of this.bound.get(id) ?? []) {
      if (ws.readyState !== ws.OPEN) continue;
      ws.send(`ping ${id}`);
      reached++;
    }
    return reached;
  }

  close(): void {
    for (const set of this.bound.values()) for (const ws of set) ws.terminate();
    this.bound.clear();
    this.server.close();
  }
}
