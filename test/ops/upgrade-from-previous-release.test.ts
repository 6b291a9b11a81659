// Upgrades (issue 38, point 4): the previous release, 0.2.0 (commit 6a692a2, the last build before
// releases were versioned; CHANGELOG.md), installed the way it was installed then (its own
// `npm run db:migrate`, from its tree extracted with `git archive`), given campaigns, send records,
// error ACKs (applied and waiting for their row), quarantined ACKs and API keys through its own
// PostgREST; then upgraded by this tree's packed backend (`npx wa-campaigns migrate`). Nothing is
// lost (every table's rows, the campaigns' totals), the keys made before still work, and the
// endpoints this release did not change answer exactly as before.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/paths.js";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort, run } from "../../scripts/lib/run.js";
import { randomSecret } from "../../scripts/lib/secrets.js";
import { db, dbUrl } from "../support/env.js";
import { baileysGroup, groupJid, uniqueSession } from "../support/fixtures.js";
import { installProject, pack, type Project } from "../support/packages.js";

/** The previous release: 0.2.0 (CHANGELOG.md). */
const PREVIOUS = "6a692a27888a10df8dabf1713e541d489b299869";

const scratch = mkdtempSync(join(tmpdir(), "wa-upgrade-"));
const previous = join(scratch, "previous");
const database = `wa_upgrade_${process.pid}`;
let url = "";
let project: Project;
let api: RunningPostgrest | undefined;
const jwtSecret = randomSecret(32);

/** One of the previous release's npm scripts, run as `npm run` ran it there. */
function previousScript(script: string, args: string[]): string {
  const r = spawnSync(join(previous, "node_modules", ".bin", "tsx"), [join(previous, "scripts", script), ...args], {
    cwd: previous,
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: url },
  });
  if (r.status !== 0) throw new Error(`previous release's ${script} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

async function serve(config: string) {
  const uri = new URL(url);
  uri.username = "authenticator";
  api = await startPostgrest({ dbUri: uri.toString(), jwtSecret, port: await freePort(), config });
}

async function call(key: string, path: string, body?: unknown) {
  const r = await fetch(api!.url + path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as unknown };
}

const keys: Record<string, string> = {};
const session = uniqueSession();
const jids = [groupJid(), groupJid(), groupJid(), groupJid()];
/** The reads of endpoints this release did not change, as each role sees them. */
const READS: [role: string, path: string][] = [
  ["crm", "/campaigns?order=id"],
  ["crm", "/campaign_groups?order=campaign_id,group_jid"],
  ["crm", `/sendable_groups?session_id=eq.${session}&order=group_jid`],
  ["crm", "/sessions?order=session_id"],
  ["ops", "/quarantine?order=id"],
  ["ops", "/ack_backlog?select=session_id,unmatched,oldest_received_at"], // (its age grows by itself)
  ["gatewayScoped", "/rpc/record_message_error"],
];

/** `now` restricted to the object keys `was` has, at every depth (arrays element by element). */
function asBefore(now: unknown, was: unknown): unknown {
  if (Array.isArray(now) && Array.isArray(was)) return now.map((x, i) => asBefore(x, was[i]));
  if (now && was && typeof now === "object" && typeof was === "object" && !Array.isArray(now)) {
    return Object.fromEntries(
      Object.keys(was).map((k) => [k, asBefore((now as Record<string, unknown>)[k], (was as Record<string, unknown>)[k])]),
    );
  }
  return now;
}

async function answers() {
  const out: Record<string, unknown> = {};
  for (const [role, path] of READS) {
    out[`${role} ${path}`] = path.startsWith("/rpc/")
      ? // A scoped key's duplicate ACK: answered from the stored rows, changes nothing.
        await call(keys[role]!, path, { event: "message_error", messageId: "3EB0UPGRADE1", errorCode: 420, groupJid: jids[0] })
      : await call(keys[role]!, path);
  }
  return out;
}

/** Every table of ours, its row count; and every campaign's totals. */
async function contents() {
  // The tables of the database under upgrade (not of the suite's own database, which has this
  // release's tables already).
  const tables = run("psql", [
    "-XAtq",
    "--dbname",
    url,
    "-c",
    "select format('%I.%I', schemaname, relname) from pg_stat_user_tables where schemaname in ('wa_data', 'internal') order by 1",
  ])
    .split("\n")
    .filter(Boolean)
    .map((t) => ({ t }));
  const counts: Record<string, number> = {};
  for (const { t } of tables) {
    if (t === "wa_data.function_sets" || t === "wa_data.schema_migrations") continue; // an upgrade adds to these
    counts[t] = Number(run("psql", ["-XAtq", "--dbname", url, "-c", `select count(*) from ${t}`]).trim());
  }
  const totals = run("psql", [
    "-XAtq",
    "--dbname",
    url,
    "-c",
    "select id, status, total_groups, pending_count, sent_count, failed_count from wa_data.notification_campaigns order by id",
  ]);
  return { counts, totals };
}

let before: { answers: Record<string, unknown>; contents: Awaited<ReturnType<typeof contents>> };
let upgrade: { code: number | null; out: string; err: string };

beforeAll(async () => {
  // The previous release's tree, as its commit has it, beside this checkout's dependencies.
  mkdirSync(previous);
  execFileSync("sh", ["-c", `git -C '${repoRoot}' archive ${PREVIOUS} | tar -x -C '${previous}'`]);
  symlinkSync(join(repoRoot, "node_modules"), join(previous, "node_modules"));
  project = installProject([pack("packages/backend", scratch)]);

  await db.query(`create database ${database}`);
  const u = new URL(dbUrl);
  u.pathname = `/${database}`;
  url = u.toString();
  previousScript("db-migrate.ts", ["--no-dump"]);
  keys.gateway = previousScript("api-key.ts", ["create", "--role", "gateway", "--label", "gw"]);
  keys.gatewayScoped = previousScript("api-key.ts", ["create", "--role", "gateway", "--label", "gw-scoped", "--sessions", session]);
  keys.crm = previousScript("api-key.ts", ["create", "--role", "crm", "--label", "crm"]);
  keys.ops = previousScript("api-key.ts", ["create", "--role", "ops", "--label", "ops"]);
  await serve(join(previous, "deploy", "postgrest.conf"));

  // A day of traffic on the previous release.
  const sync = await call(keys.gateway!, "/rpc/sync_groups", { sessionId: session, groups: jids.map((j) => baileysGroup(j)) });
  expect(sync.status).toBe(200);
  const created = await call(keys.crm!, "/rpc/create_campaign", {
    name: "Before the upgrade",
    message: "Hi",
    sessionId: session,
    groupJids: jids,
  });
  expect(created.status).toBe(200);
  const campaignId = (created.body as { campaignId: number }).campaignId;
  const sent = await call(keys.crm!, "/rpc/record_message_sent", {
    campaignId,
    sends: [
      { groupJid: jids[0], messageId: "3EB0UPGRADE1" },
      { groupJid: jids[1], messageId: "3EB0UPGRADE2" },
      { groupJid: jids[2], errorCode: 421, errorMessage: "not allowed" },
    ],
  });
  expect(sent.status).toBe(200);
  for (const [key, body, status] of [
    // applied: the row turns failed
    [keys.gateway, { event: "message_error", sessionId: session, messageId: "3EB0UPGRADE1", errorCode: 420, groupJid: jids[0] }, 200],
    // no row yet: kept in the inbox, waiting for it
    [keys.gateway, { event: "message_error", sessionId: session, messageId: "3EB0LATER", errorCode: "463", groupJid: jids[3] }, 200],
    // invalid: quarantined with its reason
    [keys.gateway, { event: "message_error", sessionId: session, messageId: "", errorCode: 420 }, 422],
    // no session named through an unscoped key: quarantined (session_required)
    [keys.gateway, { event: "message_error", messageId: "3EB0UPGRADE2", errorCode: 420 }, 422],
  ] as const) {
    expect((await call(key!, "/rpc/record_message_error", body)).status).toBe(status);
  }
  before = { answers: await answers(), contents: await contents() };
  await api?.stop();
  api = undefined;

  // The upgrade: this tree's package, as an operator runs it.
  upgrade = project.cli(["migrate"], { DATABASE_URL: url });
  await serve(join(project.dir, "node_modules", "@wa-campaigns", "backend", "postgrest.conf"));
});

afterAll(async () => {
  await api?.stop();
  await db.query(`drop database if exists ${database} with (force)`);
  await db.end();
  project?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe("upgrade from the previous release (0.2.0) with the package's CLI", () => {
  it("migrates: the new migrations applied, the release recorded", () => {
    expect(upgrade.err).not.toMatch(/error|refus/i);
    expect(upgrade.code).toBe(0);
    expect(upgrade.out).toContain("Applied: 20261207700000_function_sets_record_the_release.sql");
    expect(project.cli(["version"], { DATABASE_URL: url }).out).toMatch(/\ndatabase \d+\.\d+\.\d+/);
  });

  it("loses nothing: every table's rows, every campaign's totals", async () => {
    const after = await contents();
    // Every table the previous release had keeps its rows, read by its name (a release may add
    // tables, or make one a view over a new table: wa_data.restricting_error_codes).
    const count = (t: string) => Number(run("psql", ["-XAtq", "--dbname", url, "-c", `select count(*) from ${t}`]).trim());
    expect({
      counts: Object.fromEntries(Object.keys(before.contents.counts).map((t) => [t, count(t)])),
      totals: after.totals,
    }).toEqual(before.contents);
    expect(Object.values(after.counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    // One campaign of 4 groups: 1 pending, 1 sent, 2 failed (the send error and the applied ACK).
    expect(after.totals.trim()).toMatch(/^\d+\|sending\|4\|1\|1\|2$/);
  });

  it("keeps every key valid, and the unchanged endpoints answer as before", async () => {
    // A release may add fields (a new column of a view, a new key of an answer): the fields the
    // previous release answered must be there, with the same values.
    expect(asBefore(await answers(), before.answers)).toEqual(before.answers);
  });

  it("the waiting ACK still applies the moment its row gets the message id", async () => {
    const campaign = (before.answers["crm /campaigns?order=id"] as { body: { id: number }[] }).body[0]!.id;
    const sent = await call(keys.crm!, "/rpc/record_message_sent", {
      campaignId: campaign,
      sends: [{ groupJid: jids[3], messageId: "3EB0LATER" }],
    });
    expect(sent.status).toBe(200);
    const rows = (await call(keys.crm!, `/campaign_groups?campaign_id=eq.${campaign}&group_jid=eq.${jids[3]}`)).body as {
      status: string;
    }[];
    expect(rows.map((r) => r.status)).toEqual(["failed"]);
  });
});
