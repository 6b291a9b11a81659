// The gateway's send loop (issue 35): claim due sends for one session (POST /rpc/claim_sends),
// wait for each send's own `notBefore` slot, send it through the gateway's `send`, report the
// results (POST /rpc/record_message_sent) in batches, and sleep until `nextAt` when nothing is
// due. The database hands out the slots, so any number of dispatchers for one session together
// keep the session's pace; this loop only has to honour them, and never send a row whose lease
// has run out (another dispatcher may hold it by then).
//
// What it holds but has not sent when it stops (the signal aborted, a restricting error, a
// connection lost) is simply left to its lease: the row is claimed again, with the same message
// id, once `leaseUntil` passes (docs/gateway.md, "Dispatch").
import type { ClaimSendsResponse, RecordMessageSentRequest } from "./contracts.generated.js";
import { BackendError } from "./errors.js";
import type { GatewayClient } from "./gateway.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { SendFailure } from "./send-failure.js";
import { LIMITS } from "./values.generated.js";

/** One claimed send (an item of claim_sends' `sends`): groupJid, text, messageId, notBefore, leaseUntil. */
export type ClaimedSend = ClaimSendsResponse["sends"][number];
/** Why claim_sends hands out nothing for this session now (restricted, paused, daily cap). */
export type DispatchHeld = NonNullable<ClaimSendsResponse["held"]>;
/** One result, as record_message_sent takes it. */
export type SendResult = RecordMessageSentRequest["sends"][number];
/** What the dispatcher needs of the gateway client (createGatewayClient's claimSends and recordSent). */
export type DispatchGateway = Pick<GatewayClient, "claimSends" | "recordSent">;

/**
 * Sends one message; resolves to the message id actually used (when the gateway chose another:
 * WAHA WEBJS, Evolution API) or to nothing (the claimed id was used). Throws SendFailure when the
 * message was refused; anything else it throws leaves the row to its lease.
 */
export type Sender = (item: ClaimedSend, signal: AbortSignal) => Promise<string | undefined> | Promise<void>;

export interface DispatcherOptions {
  gateway: DispatchGateway;
  sessionId: string;
  send: Sender;
  /** Sends per claim (default 10; at most the backend's claimsPerCall). What one dispatcher holds at a time. */
  max?: number;
  /** Aborting it stops the loop: the send in flight ends, what was sent is reported, the rest is left to its lease. */
  signal?: AbortSignal;
  /**
   * After the signal aborts, how long it may take to return (default 10 s): the send in flight gets
   * the first half, the last report of what was sent the rest.
   */
  deadlineMs?: number;
  /** Every failure (a claim or report that failed after its retries, a send that threw): never thrown. */
  onError?: (error: unknown) => void;
  /** claim_sends said the session is held (restricted, paused, daily cap): called on each such answer. */
  onHeld?: (held: DispatchHeld) => void;
  /** After each send attempt, with its result (for logs and metrics). */
  onSent?: (item: ClaimedSend, result: SendResult) => void;
  /** The longest sleep between claims (default 30 s): `nextAt` further away is asked again then. */
  maxSleepMs?: number;
  /** The sleep after a held answer (default 60 s, or until `nextAt` when sooner). */
  heldBackoffMs?: number;
  /** Return when a claim finds nothing to send and nothing scheduled (nextAt null), instead of polling. */
  stopWhenIdle?: boolean;
  /** Return at the first held answer instead of backing off. */
  stopWhenHeld?: boolean;
  /**
   * A claimed send whose lease ends sooner than this is not sent (default 2 s, at most a quarter of
   * its lease): another dispatcher may claim it the moment the lease ends.
   */
  leaseMarginMs?: number;
  /** Retries of claims and reports (network errors and 5xx; never a 4xx). */
  retry?: RetryOptions;
}

export interface DispatchSummary {
  /** Sends that went out (reported or not). */
  sent: number;
  /** Sends the gateway refused (SendFailure), reported as failed. */
  failed: number;
  /** Claimed sends not attempted or not known to be sent: left to their lease. */
  leftToLease: number;
  /** Results the backend refused or that could not be delivered before the deadline. */
  unreported: number;
  /** The last held answer, if the loop ended on one. */
  held: DispatchHeld | null;
  /** Why it returned. */
  stoppedBy: "signal" | "idle" | "held";
}

const MIN_SLEEP_MS = 250;

/**
 * Runs the send loop until `signal` aborts (or, with stopWhenIdle / stopWhenHeld, until there is
 * nothing to do or the session is held). Never rejects: every failure goes to onError.
 */
export async function runDispatcher(o: DispatcherOptions): Promise<DispatchSummary> {
  const max = o.max ?? 10;
  const maxSleep = o.maxSleepMs ?? 30_000;
  const heldBackoff = o.heldBackoffMs ?? 60_000;
  const leaseMargin = o.leaseMarginMs ?? 2_000;
  const deadlineMs = o.deadlineMs ?? 10_000;
  const signal = o.signal ?? new AbortController().signal;
  const summary: DispatchSummary = { sent: 0, failed: 0, leftToLease: 0, unreported: 0, held: null, stoppedBy: "signal" };

  const report = (e: unknown) => {
    try {
      o.onError?.(e);
    } catch {
      /* never into the caller */
    }
  };
  const call = <A extends unknown[]>(f: ((...a: A) => void) | undefined, ...a: A) => {
    try {
      f?.(...a);
    } catch (e) {
      report(e);
    }
  };

  // After the signal aborts nothing waits past deadlineMs: the send in flight (and a claim) gets the
  // first half, so that the last report always has the second half, whatever the send does.
  const timers: ReturnType<typeof setTimeout>[] = [];
  let halfway: (v: "deadline") => void = () => {};
  let fullway: (v: "deadline") => void = () => {};
  const sendDeadline = new Promise<"deadline">((r) => {
    halfway = r;
  });
  const reportDeadline = new Promise<"deadline">((r) => {
    fullway = r;
  });
  const onAbort = () => {
    timers.push(setTimeout(() => halfway("deadline"), deadlineMs / 2));
    timers.push(setTimeout(() => fullway("deadline"), deadlineMs));
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  const cancelDeadline = () => {
    signal.removeEventListener("abort", onAbort);
    for (const t of timers) clearTimeout(t);
  };
  const bounded = <T>(p: Promise<T>): Promise<T | "deadline"> => Promise.race([p, sendDeadline]);
  const boundedReport = <T>(p: Promise<T>): Promise<T | "deadline"> => Promise.race([p, reportDeadline]);

  // Results not yet reported, per campaign, in send order.
  const pending = new Map<number, SendResult[]>();
  let pendingCount = 0;
  const flush = async () => {
    for (const [campaignId, results] of [...pending]) {
      while (results.length > 0) {
        const chunk = results.slice(0, LIMITS.sendsPerCall);
        try {
          const r = await boundedReport(withRetry(() => o.gateway.recordSent(campaignId, chunk), o.retry));
          if (r === "deadline") return;
        } catch (e) {
          report(e);
          // A refusal will not change on a retry; anything else is kept for the next flush.
          if (!(e instanceof BackendError) || e.retryable) return;
          summary.unreported += chunk.length;
        }
        results.splice(0, chunk.length);
        pendingCount -= chunk.length;
      }
      pending.delete(campaignId);
    }
  };
  const keep = (item: ClaimedSend, result: SendResult) => {
    const list = pending.get(item.campaignId) ?? [];
    list.push(result);
    pending.set(item.campaignId, list);
    pendingCount++;
    call(o.onSent, item, result);
  };

  let failureBackoff = 1_000;
  // Results the backend could not take yet (an outage) are bounded: no more claims past this many.
  const maxPending = Math.max(10 * max, 100);
  loop: while (!signal.aborted) {
    if (pendingCount >= maxPending) {
      await flush();
      if (pendingCount >= maxPending) {
        await sleep(failureBackoff, signal);
        failureBackoff = Math.min(failureBackoff * 2, maxSleep);
        continue;
      }
    }
    let answer: ClaimSendsResponse;
    try {
      const r = await bounded(withRetry(() => o.gateway.claimSends(o.sessionId, max), o.retry));
      if (r === "deadline") break;
      answer = r;
      failureBackoff = 1_000;
    } catch (e) {
      report(e);
      await sleep(failureBackoff, signal);
      failureBackoff = Math.min(failureBackoff * 2, maxSleep);
      continue;
    }

    summary.held = answer.held ?? null;
    if (answer.held) {
      call(o.onHeld, answer.held);
      if (o.stopWhenHeld) {
        summary.stoppedBy = "held";
        summary.leftToLease += answer.sends.length;
        break;
      }
    }
    if (answer.sends.length === 0) {
      if (pendingCount > 0) await flush();
      if (answer.nextAt === null && !answer.held && o.stopWhenIdle) {
        summary.stoppedBy = "idle";
        break;
      }
      const untilNext = answer.nextAt === null ? maxSleep : Date.parse(answer.nextAt) - Date.now();
      const wait = answer.held ? Math.min(heldBackoff, Math.max(untilNext, heldBackoff / 10)) : untilNext;
      await sleep(Math.min(maxSleep, Math.max(MIN_SLEEP_MS, wait)), signal);
      continue;
    }

    const batch = [...answer.sends].sort((a, b) => Date.parse(a.notBefore) - Date.parse(b.notBefore));
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i] as ClaimedSend;
      // Past the slot, never before it: notBefore has microseconds, Date.parse keeps milliseconds.
      const slot = Date.parse(item.notBefore) + 1;
      // Results wait for no slot: a long wait reports what is done first.
      if (slot - Date.now() > 1_000 && pendingCount > 0) await flush();
      let waited = !signal.aborted;
      // A timer may fire a little before the wall clock says (they are different clocks): wait again.
      while (waited && Date.now() < slot) waited = await sleep(slot - Date.now(), signal);
      if (!waited) {
        summary.leftToLease += batch.length - i;
        break loop;
      }
      // The margin never exceeds a quarter of the lease itself (a session configured with a short lease still sends).
      const margin = Math.min(leaseMargin, (Date.parse(item.leaseUntil) - Date.parse(item.notBefore)) / 4);
      if (Date.parse(item.leaseUntil) - Date.now() < margin) {
        summary.leftToLease++;
        continue;
      }
      const sending: Promise<unknown> = (async () => o.send(item, signal))();
      let outcome: { id: string | undefined } | { error: unknown } | "deadline";
      try {
        const r = await bounded(sending);
        outcome = r === "deadline" ? r : { id: typeof r === "string" && r ? r : undefined };
      } catch (e) {
        outcome = { error: e };
      }
      if (outcome === "deadline") {
        sending.catch(() => {});
        summary.leftToLease += batch.length - i;
        break loop;
      }
      if ("id" in outcome) {
        summary.sent++;
        keep(item, { groupJid: item.groupJid, messageId: outcome.id || item.messageId });
        continue;
      }
      const e = outcome.error;
      if (e instanceof SendFailure) {
        summary.failed++;
        keep(item, { groupJid: item.groupJid, errorCode: e.code, errorMessage: e.message.slice(0, 4000) || null });
        if (e.restricting) {
          // The backend stops the session's claims on this code: report it now, hold nothing more.
          summary.leftToLease += batch.length - i - 1;
          break;
        }
        continue;
      }
      // Not known to be sent or refused (a closed connection, a gateway that did not answer):
      // the rest of the batch would fare no better now; all of it goes back through its lease.
      report(e);
      summary.leftToLease += batch.length - i;
      await flush();
      await sleep(failureBackoff, signal);
      failureBackoff = Math.min(failureBackoff * 2, maxSleep);
      continue loop;
    }
    await flush();
  }

  // Stopping: report what was sent, within the deadline.
  if (pendingCount > 0) await flush();
  summary.unreported += pendingCount;
  cancelDeadline();
  if (signal.aborted) summary.stoppedBy = "signal";
  return summary;
}

/** Waits `ms` (at once when ≤ 0); false when the signal aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (!(ms > 0)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      clearTimeout(t);
      signal.removeEventListener("abort", onAbort);
      resolve(v);
    };
    const onAbort = () => done(false);
    const t = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
