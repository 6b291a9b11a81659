// Ops: the key CLI as an operator uses it (the real command, against the test database), and the
// local development keys that npm start hands out.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localDevKeys } from "../../scripts/lib/api-keys.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { db, dbUrl } from "../support/env.js";
import { post } from "../support/http.js";
import { groupJid, uniqueSession } from "../support/fixtures.js";

afterAll(() => db.end());

function cli(...args: string[]) {
  return cliWithInput(undefined, ...args);
}

function cliWithInput(input: string | undefined, ...args: string[]) {
  const r = spawnSync(join(repoRoot, "node_modules", ".bin", "tsx"), [join(repoRoot, "scripts", "api-key.ts"), ...args], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: dbUrl },
    input,
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

/** The HTTP status a sync with this key gets. */
const statusWith = async (key: string) =>
  (await post("/rpc/sync_groups", { sessionId: uniqueSession(), groups: [{ id: groupJid() }] }, { "x-api-key": key })).status;

describe("npm run api-key", () => {
  it("--help prints the usage, no stack trace", () => {
    for (const flag of ["--help", "-h", "help"]) {
      const r = cli(flag);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Manage API keys/);
      expect(r.out).toMatch(/rotate <id\|label>/);
      expect(r.err).toBe("");
    }
    const bad = cli("--frobnicate");
    expect(bad.code).toBe(2);
    expect(bad.err).not.toMatch(/\n\s+at /);
  });

  it("a label names one active key: a second create is refused, revoke acts on one key", async () => {
    const label = `vps-${uniqueSession()}`;
    const first = cli("create", "--role", "gateway", "--label", label);
    expect(first.code).toBe(0);
    const again = cli("create", "--role", "gateway", "--label", label);
    expect(again).toMatchObject({ code: 1, out: "" });
    expect(again.err).toMatch(/already labelled/);
    expect(await statusWith(first.out)).toBe(200);
    expect(cli("revoke", label).code).toBe(0);
    expect(await statusWith(first.out)).toBe(401);
    expect(cli("revoke", label)).toMatchObject({ code: 1 });
  });

  it("rotate: the new key works, the old one stops at once or after --grace", async () => {
    const label = `vps-${uniqueSession()}`;
    const old = cli("create", "--role", "gateway", "--label", label).out;
    const rotated = cli("rotate", label, "--grace", "3600");
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(/^wak_/);
    expect([await statusWith(old), await statusWith(rotated.out)]).toEqual([200, 200]); // during the grace
    const again = cli("rotate", label).out; // no grace: the previous key stops now
    expect([await statusWith(rotated.out), await statusWith(again)]).toEqual([401, 200]);

    const list = cli("list").out.split("\n");
    expect(list[0]).toBe("id\tlabel\trole\tsessions\tprefix\tstate\tcreated\trevoked");
    const mine = list.filter((l) => l.split("\t")[1] === label).map((l) => l.split("\t")[5]);
    expect(mine).toEqual(["retiring", "revoked", "active"]);
  });

  it("--sessions binds a gateway key to sessions; scope changes them without a new key; list shows them", async () => {
    const label = `vps-${uniqueSession()}`;
    const [a, b, c] = [uniqueSession("sa"), uniqueSession("sb"), uniqueSession("sc")];
    const sync = async (key: string, sessionId: string) =>
      (await post("/rpc/sync_groups", { sessionId, groups: [{ id: groupJid() }] }, { "x-api-key": key })).status;
    const created = cli("create", "--role", "gateway", "--label", label, "--sessions", `${a}, ${b}`);
    expect(created.code).toBe(0);
    const key = created.out;
    expect([await sync(key, a), await sync(key, b), await sync(key, c)]).toEqual([200, 200, 403]);
    const row = () =>
      cli("list")
        .out.split("\n")
        .map((l) => l.split("\t"))
        .filter((r) => r[1] === label && r[5] === "active")[0]!;
    expect(row()[3]).toBe(`${a},${b}`);

    expect(cli("scope", label, "--sessions", c).code).toBe(0);
    expect([await sync(key, a), await sync(key, c)]).toEqual([403, 200]);
    expect(row()[3]).toBe(c);
    // Rotating keeps the sessions; --all-sessions unbinds.
    const rotated = cli("rotate", label).out;
    expect([await sync(rotated, a), await sync(rotated, c)]).toEqual([403, 200]);
    expect(cli("scope", label, "--all-sessions").code).toBe(0);
    expect(await sync(rotated, a)).toBe(200);
    expect(row()[3]).toBe("* (unscoped)");

    // Only gateway keys act on sessions; scope needs one of its flags.
    expect(cli("create", "--role", "crm", "--label", `crm-${uniqueSession()}`, "--sessions", a)).toMatchObject({ code: 1 });
    expect(cli("scope", label).code).toBe(2);
  });
});

describe("npm run api-key -- webhook-key (WAHA's HMAC key)", () => {
  it("accepts the keys WAHA accepts, warns about a short one, never prints a key; remove and list", async () => {
    const session = uniqueSession("hk");
    const short = cliWithInput("k3y\n", "webhook-key", "set", "--session", session);
    expect(short.code).toBe(0);
    expect(short.err).toMatch(/warning: this key has 3 characters/);
    const {
      rows: [r],
    } = await db.query("select secret from internal.webhook_secrets where gateway = 'waha' and session_id = $1", [session]);
    expect(r.secret).toBe("k3y"); // the newline a shell adds is not part of the key
    const long = cliWithInput("a".repeat(64), "webhook-key", "set", "--session", session);
    expect([long.code, long.err]).toEqual([0, expect.not.stringMatching(/warning/)]);
    const list = cli("webhook-key", "list");
    expect(list.out.split("\n").find((l) => l.includes(session))).toMatch(new RegExp(`^waha\t${session}\t64\t`));
    expect(list.out).not.toContain("a".repeat(64));
    expect(cliWithInput("", "webhook-key", "set", "--session", session).code).toBe(2);
    expect(cli("webhook-key", "remove", "--session", session).code).toBe(0);
    expect(cli("webhook-key", "remove", "--session", session).code).toBe(1);
  });
});

describe("npm start's local development keys", () => {
  it("a second start hands out the same keys; a lost or revoked key is replaced", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "wa-devkeys-")), "dev-keys.json");
    await db.query("update internal.api_keys set revoked_at = now() where label like 'local-dev-%' and revoked_at is null");
    const first = await localDevKeys(dbUrl, file);
    const second = await localDevKeys(dbUrl, file);
    expect(second).toEqual(first);
    expect(await statusWith(first.gateway)).toBe(200);
    await db.query("update internal.api_keys set revoked_at = now() where label = 'local-dev-gateway' and revoked_at is null");
    const third = await localDevKeys(dbUrl, file);
    expect(third.crm).toBe(first.crm);
    expect(third.gateway).not.toBe(first.gateway);
    expect(await statusWith(third.gateway)).toBe(200);
  });
});
