// A Baileys gateway that runs for weeks (issue 21.13): one socket at a time, made by your
// `connect()` (makeWASocket with your auth state, creds saved on creds.update); on close it
// reconnects with back-off unless WhatsApp logged the session out; the group list is synced on
// every open and periodically; error ACKs and delivery progress are forwarded through bounded
// buffers that survive backend outages and reconnects; nothing ever throws into a listener or
// rejects unhandled (every failure goes to onError); stop() flushes within a deadline.
// With `dispatch`, it also sends (issue 35): while a connection is open, runDispatcher claims the
// session's due sends and sends each through the socket with its assigned id.
import type { SyncGroupsResponse } from "./contracts.generated.js";
import { baileysSender, type BaileysSendSocketLike } from "./baileys-sender.js";
import { runDispatcher, type DispatcherOptions, type DispatchSummary } from "./dispatcher.js";
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
  sendMessage?: BaileysSendSocketLike["sendMessage"];
}

/** The dispatcher's settings when the gateway sends (everything but what the gateway provides). */
export type BaileysDispatchOptions = Omit<DispatcherOptions, "gateway" | "sessionId" | "send" | "signal" | "onError">;

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
  /**
   * Send the session's claimed messages (claim_sends → sock.sendMessage with the assigned id →
   * record_message_sent) while a connection is open: `true`, or the dispatcher's settings.
   */
  dispatch?: boolean | BaileysDispatchOptions;
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
  /** With `dispatch`: what the dispatcher did so far (summed over connections). */
  readonly dispatched: { sent: number; failed: number; leftToLease: number; unreported: number };
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
        startDispatch();
        sync();
        if (o.syncEveryMs !== 0 && !syncTimer) syncTimer = setInterval(sync, o.syncEveryMs ?? 6 * 3600_000);
      } else if (u.connection === "close") {
        void stopDispatch();
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
  // Dispatch: one runDispatcher per open connection, aborted when it closes (what it holds is
  // left to its lease and claimed again with the same ids).
  const dispatched = { sent: 0, failed: 0, leftToLease: 0, unreported: 0 };
  let dispatching: { abort: AbortController; done: Promise<void> } | undefined;
  const dispatchOptions: BaileysDispatchOptions | undefined = o.dispatch ? (o.dispatch === true ? {} : o.dispatch) : undefined;
  const startDispatch = () => {
    if (!dispatchOptions || stopped) return;
    if (dispatching) {
      // The last connection's dispatcher is still finishing: this one starts after it.
      if (dispatching.abort.signal.aborted) void dispatching.done.then(startDispatch);
      return;
    }
    const abort = new AbortController();
    const done = runDispatcher({
      ...dispatchOptions,
      gateway: o.gateway,
      sessionId: o.sessionId,
      send: baileysSender(() => sock as Required<Pick<BaileysGatewaySocket, "sendMessage">>),
      signal: abort.signal,
      onError: report,
    }).then((s: DispatchSummary) => {
      dispatched.sent += s.sent;
      dispatched.failed += s.failed;
      dispatched.leftToLease += s.leftToLease;
      dispatched.unreported += s.unreported;
      if (dispatching?.abort === abort) dispatching = undefined;
    });
    dispatching = { abort, done };
  };
  const stopDispatch = async () => {
    const d = dispatching;
    if (!d) return;
    d.abort.abort();
    await d.done;
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
    get dispatched() {
      return { ...dispatched };
    },
    async stop(so = {}) {
      stopped = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (syncTimer) clearInterval(syncTimer);
      sock.ev.off("connection.update", onConnection);
      await stopDispatch();
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
