// runDispatcher against the real backend (claim_sends, record_message_sent through PostgREST):
// - four dispatcher processes on one session share its pace: every row sent exactly once, with
//   the id it was claimed with, and no sliding 10-second window of actual sends holds more than
//   the session's rate allows (plus one);
// - a dispatcher killed with SIGKILL mid-batch: the rows it held are claimed again after their
//   lease, with the same message ids, and every row ends sent;
// - a 463 at send time: the dispatcher sends nothing after it, and no claim succeeds after it;
// - two sessions in parallel, one restricted: the other keeps its pace and finishes;
// - a dispatcher held by a restriction backs off and sends the rest once the CRM clears it;
// - an aborted dispatcher reports what it sent before it returns, also when a send never ends
//   (it returns after deadlineMs), and leaves the rest to its lease.
// The processes' "WhatsApp" only writes what it sends, and when (support/dispatcher-process.ts).
// No timing asserts beyond the pace itself: each wait is for the thing (until, process exit).
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrmClient, createGatewayClient, runDispatcher, SendFailure, type CrmClient, type GatewayClient } from "../src/index.js";
import { apiUrl, db, newKey } from "../../../test/support/env.js";
import { seedSession } from "../../../test/support/fixtures.js";
import { until } from "../../../test/support/wait.js";

const SCRIPT = fileURLToPath(new URL("./support/dispatcher-process.ts", import.meta.url));
/** The pace of most tests here: green-api's floor, 500 ms between messages. */
const RATE = 120;
/** The measure (35.8): 4 processes at 600 a minute (RatePerMinute's maximum) over 300 rows. */
const FAST_RATE = 600;

let gatewayKey: string;
let crmKey: string;
let gateway: GatewayClient;
let crm: CrmClient;
beforeAll(async () => {
  gatewayKey = await newKey("gateway");
  crmKey = await newKey("crm");
  gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey });
  crm = createCrmClient({ url: apiUrl, apiKey: crmKey });
});
afterAll(() => db.end());

/** A session with `n` groups, paced at `rate` per minute without jitter, and a campaign over them that is due now. */
async function dueCampaign(n: number, settings: { leaseSeconds?: number; ratePerMinute?: number } = {}) {
  const { sessionId, jids } = await seedSession(gatewayKey, n, "wa_dispatch");
  await crm.configureSession({ sessionId, ratePerMinute: RATE, jitterSeconds: 0, ...settings });
  const { campaignId } = await crm.createCampaign({ name: `dispatch ${sessionId}`, message: "Hello, group", sessionId, groupJids: jids });
  await crm.scheduleCampaign(campaignId);
  return { sessionId, jids, campaignId };
}

interface Line {
  event: "claim" | "send" | "error" | "done";
  messageId?: string;
  groupJid?: string;
  at?: number;
  notBefore?: number;
  items?: { messageId: string; groupJid: string }[];
  summary?: unknown;
  message?: string;
}
interface Proc {
  child: ChildProcess;
  lines: Line[];
  exited: Promise<number | null>;
}
function dispatcherProcess(sessionId: string, max: number): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, apiUrl, gatewayKey, sessionId, String(max)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: Line[] = [];
  createInterface({ input: child.stdout as NonNullable<ChildProcess["stdout"]> }).on("line", (l) => {
    if (l.startsWith("{")) lines.push(JSON.parse(l) as Line);
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, lines, exited };
}

/**
 * From the first slot to the last send: at the session's pace n sends take at least (n - 1)
 * intervals (a send is never before its slot; the first may be late, so its own time says less).
 */
const span = (sends: { at: number; notBefore: number }[]) =>
  Math.max(...sends.map((s) => s.at)) - Math.min(...sends.map((s) => s.notBefore));
const paced = (n: number, rate = RATE) => ((n - 1) * 60_000) / rate;

/** The most sends in any window of `windowMs` (each window starting at a send). */
function busiestWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while ((t[j] as number) < (t[i] as number) - windowMs + 1) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function rows(campaignId: number) {
  const { rows } = await db.query<{ group_jid: string; status: string; message_id: string | null }>(
    "select group_jid, status, message_id from notification_campaign_groups where campaign_id = $1",
    [campaignId],
  );
  return rows;
}

describe("runDispatcher, several processes, one session", () => {
  it("4 processes send every row once, with its claimed id, never faster than the session's rate", async () => {
    const n = 300;
    const { sessionId, campaignId } = await dueCampaign(n, { ratePerMinute: FAST_RATE });
    const procs = Array.from({ length: 4 }, () => dispatcherProcess(sessionId, 20));
    const codes = await Promise.all(procs.map((p) => p.exited));
    expect(codes).toEqual([0, 0, 0, 0]);

    const sends = procs.flatMap((p) => p.lines.filter((l) => l.event === "send"));
    const claimed = new Map(procs.flatMap((p) => p.lines.flatMap((l) => l.items ?? [])).map((i) => [i.groupJid, i.messageId]));
    expect(sends).toHaveLength(n);
    expect(new Set(sends.map((s) => s.groupJid)).size).toBe(n);
    // Every process took part (the pace, not one process, is what limits them).
    expect(procs.every((p) => p.lines.some((l) => l.event === "send"))).toBe(true);
    // Never before its slot, and no 10-second window over the rate (plus one).
    expect(sends.every((s) => (s.at as number) >= (s.notBefore as number))).toBe(true);
    const most = busiestWindow(
      sends.map((s) => s.at as number),
      10_000,
    );
    expect(most).toBeLessThanOrEqual((FAST_RATE * 10) / 60 + 1);
    expect(span(sends as { at: number; notBefore: number }[])).toBeGreaterThanOrEqual(paced(n, FAST_RATE));

    const stored = await rows(campaignId);
    expect(stored.every((r) => r.status === "sent")).toBe(true);
    for (const r of stored) expect(r.message_id).toBe(claimed.get(r.group_jid));
    for (const s of sends) expect(s.messageId).toMatch(/^3EB0[0-9A-F]{18}$/);
  });

  it("a dispatcher killed mid-batch: its rows come back after the lease with the same ids", async () => {
    const n = 16;
    const { sessionId, campaignId } = await dueCampaign(n, { leaseSeconds: 2 });
    const victim = dispatcherProcess(sessionId, 8);
    // Mid-batch: it claimed 8 and sent one (and reported none: results go in batches).
    await until(async () => victim.lines.some((l) => l.event === "send"));
    victim.child.kill("SIGKILL");
    await victim.exited;
    const held = victim.lines.find((l) => l.event === "claim")?.items ?? [];
    expect(held.length).toBeGreaterThan(1);

    const survivor = dispatcherProcess(sessionId, 8);
    expect(await survivor.exited).toBe(0);
    const resent = new Map(survivor.lines.filter((l) => l.event === "send").map((s) => [s.groupJid as string, s.messageId as string]));
    // Everything the victim held was sent by the survivor with the id the victim was given.
    for (const h of held) expect(resent.get(h.groupJid)).toBe(h.messageId);
    const stored = await rows(campaignId);
    expect(stored.every((r) => r.status === "sent")).toBe(true);
    for (const h of held) expect(stored.find((r) => r.group_jid === h.groupJid)?.message_id).toBe(h.messageId);
  });
});

describe("runDispatcher and the brake", () => {
  it("a 463 at send time: nothing is sent after it, and no claim succeeds after it", async () => {
    const { sessionId, campaignId } = await dueCampaign(12);
    const sent: string[] = [];
    const summary = await runDispatcher({
      gateway,
      sessionId,
      max: 6,
      stopWhenHeld: true,
      stopWhenIdle: true,
      send: async (item) => {
        if (sent.length === 3) throw new SendFailure(463, "Your account has been restricted");
        sent.push(item.messageId);
      },
    });
    expect(summary).toMatchObject({ sent: 3, failed: 1, stoppedBy: "held", held: { reason: "session_restricted" } });
    expect(sent).toHaveLength(3);
    // Any claim now, from any dispatcher, gets nothing.
    const again = await gateway.claimSends(sessionId, 10);
    expect(again.sends).toEqual([]);
    expect(again.held?.reason).toBe("session_restricted");
    const stored = await rows(campaignId);
    expect(stored.filter((r) => r.status === "sent")).toHaveLength(3);
    expect(stored.filter((r) => r.status === "failed")).toHaveLength(1);
  });

  it("two sessions in parallel: one restricted, the other keeps its pace and finishes", async () => {
    const a = await dueCampaign(10);
    const b = await dueCampaign(10);
    const bSends: { at: number; notBefore: number }[] = [];
    let aSent = 0;
    const [ra, rb] = await Promise.all([
      runDispatcher({
        gateway,
        sessionId: a.sessionId,
        max: 5,
        stopWhenHeld: true,
        stopWhenIdle: true,
        send: async () => {
          if (aSent === 2) throw new SendFailure(463, "restricted");
          aSent++;
        },
      }),
      runDispatcher({
        gateway,
        sessionId: b.sessionId,
        max: 5,
        stopWhenHeld: true,
        stopWhenIdle: true,
        send: async (item) => {
          bSends.push({ at: Date.now(), notBefore: Date.parse(item.notBefore) });
        },
      }),
    ]);
    expect(ra).toMatchObject({ sent: 2, failed: 1, stoppedBy: "held" });
    expect(rb).toMatchObject({ sent: 10, failed: 0, stoppedBy: "idle", held: null });
    expect(bSends.every((s) => s.at >= s.notBefore)).toBe(true);
    expect(
      busiestWindow(
        bSends.map((s) => s.at),
        10_000,
      ),
    ).toBeLessThanOrEqual((RATE * 10) / 60 + 1);
    expect(span(bSends)).toBeGreaterThanOrEqual(paced(10));
    expect((await rows(b.campaignId)).every((r) => r.status === "sent")).toBe(true);
    expect((await gateway.claimSends(a.sessionId)).held?.reason).toBe("session_restricted");
  });
});

describe("runDispatcher while held", () => {
  it("backs off while the session is restricted, and sends the rest once the CRM clears it", async () => {
    // The batch held when the brake tripped waits out its lease (short here) before it is claimed again.
    const { sessionId, campaignId } = await dueCampaign(6, { leaseSeconds: 2 });
    const sent: string[] = [];
    const helds: string[] = [];
    const summary = await runDispatcher({
      gateway,
      sessionId,
      max: 6,
      heldBackoffMs: 100,
      stopWhenIdle: true,
      send: async (item) => {
        if (sent.length === 2 && helds.length === 0) throw new SendFailure(463, "restricted");
        sent.push(item.messageId);
      },
      onHeld: (h) => {
        helds.push(h.reason);
        // The account may send again: the loop, still running, picks the rest up.
        if (helds.length === 1) void crm.clearSessionRestriction(sessionId);
      },
    });
    expect(helds[0]).toBe("session_restricted");
    expect(summary).toMatchObject({ sent: 5, failed: 1, stoppedBy: "idle", held: null });
    const stored = await rows(campaignId);
    expect(stored.filter((r) => r.status === "sent")).toHaveLength(5);
    expect(stored.filter((r) => r.status === "failed")).toHaveLength(1);
  });
});

describe("runDispatcher stopping", () => {
  it("on abort: stops waiting, reports what it sent, and leaves the rest to the lease", async () => {
    const { sessionId, campaignId } = await dueCampaign(10);
    const stop = new AbortController();
    const sent: string[] = [];
    const summary = await runDispatcher({
      gateway,
      sessionId,
      max: 10,
      signal: stop.signal,
      send: async (item) => {
        sent.push(item.messageId);
        if (sent.length === 3) stop.abort();
      },
    });
    expect(summary).toMatchObject({ sent: 3, failed: 0, unreported: 0, stoppedBy: "signal" });
    expect(summary.leftToLease).toBe(7);
    // Reported before it returned: the three are sent with their ids, the rest still pending.
    const stored = await rows(campaignId);
    expect(
      stored
        .filter((r) => r.status === "sent")
        .map((r) => r.message_id)
        .sort(),
    ).toEqual([...sent].sort());
    expect(stored.filter((r) => r.status === "pending")).toHaveLength(7);
  });

  it("a send that never ends: it returns after deadlineMs, with what it sent before reported", async () => {
    const { sessionId, campaignId } = await dueCampaign(4);
    const stop = new AbortController();
    let calls = 0;
    const summary = await runDispatcher({
      gateway,
      sessionId,
      max: 4,
      signal: stop.signal,
      deadlineMs: 200,
      send: async () => {
        calls++;
        if (calls === 2) {
          stop.abort();
          await new Promise(() => {}); // WhatsApp never answers this one
        }
      },
    });
    expect(summary).toMatchObject({ sent: 1, stoppedBy: "signal", leftToLease: 3 });
    expect((await rows(campaignId)).filter((r) => r.status === "sent")).toHaveLength(1);
  });
});
