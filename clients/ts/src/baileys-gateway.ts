// A Baileys gateway that runs for weeks (issue 21.13): one socket at a time, made by your
// `connect()` (makeWASocket with your auth state, creds saved on creds.update); on close it
// reconnects with back-off unless WhatsApp logged the session out; the group list is synced on
// every open and periodically; error ACKs and delivery progress are forwarded through bounded
// buffers that survive backend outages and reconnects; nothing ever throws into a listener or
// rejects unhandled (every failure goes to onError); stop() flushes within a deadline.
import type { SyncGroupsResponse } from "./contracts.generated.js";
import { forwardBaileysErrors, syncBaileysGroups, type BaileysSocketLike, type ErrorForwarder, type ForwardOptions } from "./baileys.js";
import { forwardBaileysProgress, type BaileysProgressSocketLike } from "./baileys-progress.js";
import type { GatewayClient } from "./gateway.js";

/** Baileys' DisconnectReason.loggedOut: the session's credentials are gone (scan a new QR). */
export const BAILEYS_LOGGED_OUT = 401;

/** What a Baileys socket offers that the gateway uses (typed structurally: Baileys 6.7 and 7 fit). */
export interface BaileysGatewaySocket extends BaileysSocketLike {
  ev: BaileysSocketLike["ev"] &
    BaileysProgressSocketLike["ev"] & {
      on(event: "connection.update", listener: (u: { connection?: string; lastDisconnect?: { error?: unknown } }) => void): void;
      off(event: "connection.update", listener: (u: { connection?: string; lastDisconnect?: { error?: unknown } }) => void): void;
    };
  end(error: Error | undefined): void;
}

export interface BaileysGatewayOptions extends ForwardOptions {
  /** Makes the next socket: makeWASocket with your auth state (save creds on creds.update there). */
  connect: () => BaileysGatewaySocket | Promise<BaileysGatewaySocket>;
  gateway: GatewayClient;
  sessionId: string;
  /** Also forward delivery progress (default true). */
  progress?: boolean;
  /** Sync the group list this often while connected (default 6 h; 0: only when a connection opens). */
  syncEveryMs?: number;
  /** First wait before reconnecting (default 2 s), doubling while closes repeat, at most 60 s. */
  reconnectDelayMs?: number;
  /** A group sync went through. */
  onSync?: (result: SyncGroupsResponse) => void;
  /** WhatsApp logged the session out: no reconnect (the forwarders keep what they hold until stop()). */
  onLoggedOut?: () => void;
}

export interface BaileysGateway {
  /** The current socket. */
  readonly socket: BaileysGatewaySocket;
  /** Events held for the backend (errors and progress). */
  readonly pending: number;
  /** Events the bounded buffers dropped. */
  readonly dropped: number;
  /** Reconnections so far. */
  readonly reconnects: number;
  /** Ends the socket, stops reconnecting, flushes within timeoutMs (default 10 s): the events left unsent. */
  stop(o?: { timeoutMs?: number }): Promise<number>;
}

const statusOf = (error: unknown): number | undefined => (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;

export async function runBaileysGateway(o: BaileysGatewayOptions): Promise<BaileysGateway> {
  const report = (e: unknown) => {
    try {
      o.onError?.(e, []);
    } catch {
      /* never into a listener */
    }
  };
  const firstDelay = o.reconnectDelayMs ?? 2_000;
  let sock = await o.connect();
  let stopped = false;
  let reconnects = 0;
  let delay = firstDelay;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let syncTimer: ReturnType<typeof setInterval> | undefined;

  const errors = forwardBaileysErrors(sock, o.gateway, o.sessionId, o);
  const progress: ErrorForwarder<BaileysProgressSocketLike> | undefined =
    o.progress === false ? undefined : forwardBaileysProgress(sock, o.gateway, o.sessionId, o);

  const sync = () => {
    // Never an unhandled rejection: an empty fetch (a socket not yet in sync), a backend outage.
    syncBaileysGroups(sock, o.gateway, o.sessionId, o).then((r) => {
      try {
        o.onSync?.(r);
      } catch {
        /* idem */
      }
    }, report);
  };
  const onConnection = (u: { connection?: string; lastDisconnect?: { error?: unknown } }) => {
    try {
      if (u.connection === "open") {
        delay = firstDelay;
        sync();
        if (o.syncEveryMs !== 0 && !syncTimer) syncTimer = setInterval(sync, o.syncEveryMs ?? 6 * 3600_000);
      } else if (u.connection === "close") {
        if (syncTimer) {
          clearInterval(syncTimer);
          syncTimer = undefined;
        }
        if (stopped) return;
        if (statusOf(u.lastDisconnect?.error) === BAILEYS_LOGGED_OUT) {
          try {
            o.onLoggedOut?.();
          } catch {
            /* idem */
          }
          return;
        }
        reconnectTimer = setTimeout(reconnect, delay);
        delay = Math.min(delay * 2, 60_000);
      }
    } catch (e) {
      report(e);
    }
  };
  const reconnect = async () => {
    reconnectTimer = undefined;
    if (stopped) return;
    try {
      sock.ev.off("connection.update", onConnection);
      const next = await o.connect();
      if (stopped) {
        next.end(undefined);
        return;
      }
      sock = next;
      reconnects++;
      errors.attach(sock);
      progress?.attach(sock);
      sock.ev.on("connection.update", onConnection);
    } catch (e) {
      report(e);
      if (!stopped) {
        delay = Math.min(delay * 2, 60_000);
        reconnectTimer = setTimeout(reconnect, delay);
      }
    }
  };
  sock.ev.on("connection.update", onConnection);

  return {
    get socket() {
      return sock;
    },
    get pending() {
      return errors.pending + (progress?.pending ?? 0);
    },
    get dropped() {
      return errors.dropped + (progress?.dropped ?? 0);
    },
    get reconnects() {
      return reconnects;
    },
    async stop(so = {}) {
      stopped = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (syncTimer) clearInterval(syncTimer);
      sock.ev.off("connection.update", onConnection);
      try {
        sock.end(undefined);
      } catch (e) {
        report(e);
      }
      const [a, b] = await Promise.all([errors.stop(so), progress?.stop(so) ?? 0]);
      return a + b;
    },
  };
}
