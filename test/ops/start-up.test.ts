// Ops: `npm start` as an operator meets it. A busy port is one clear line before anything is
// started or migrated; a normal start serves the API and PostgREST's admin server (/live,
// /ready) on the documented port (PORT + 1, or ADMIN_PORT).
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/paths.js";
import { freePort } from "../../scripts/lib/run.js";
import { db, dbUrl } from "../support/env.js";
import { until } from "../support/wait.js";

afterAll(() => db.end());

function start(env: Record<string, string>) {
  const child = spawn(join(repoRoot, "node_modules", ".bin", "tsx"), [join(repoRoot, "scripts", "start.ts")], {
    env: { ...process.env, DATABASE_URL: dbUrl, PGRST_DB_URI: process.env.WA_PGRST_DB_URI!, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, exited, out: () => out, err: () => err };
}

/** Whether a port on loopback can be bound right now (it is closed again at once). */
async function canBind(port: number): Promise<boolean> {
  const srv = createServer();
  const ok = await new Promise<boolean>((r) => {
    srv.once("error", () => r(false));
    srv.listen(port, "127.0.0.1", () => r(true));
  });
  if (ok) await new Promise((r) => srv.close(r));
  return ok;
}

async function occupy(port: number): Promise<Server> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(port, "127.0.0.1", () => r()));
  return srv;
}

describe("npm start", () => {
  it.each(["PORT", "ADMIN_PORT"])("a busy %s is one line naming the port and how to choose another", async (name) => {
    const port = await freePort();
    // Two distinct ports: the kernel may hand out a port it just freed again (then both are "busy").
    let adminPort = await freePort();
    while (adminPort === port) adminPort = await freePort();
    const srv = await occupy(name === "PORT" ? port : adminPort);
    try {
      const s = start({ PORT: String(port), ADMIN_PORT: String(adminPort) });
      expect(await s.exited).toBe(1);
      const busy = name === "PORT" ? port : adminPort;
      expect(s.err().trim()).toBe(
        `Port ${busy} on 127.0.0.1 is in use (another npm start?): choose another with ${name}=${busy + 10} npm start`,
      );
      expect(s.out()).toBe(""); // nothing migrated, nothing started
    } finally {
      srv.close();
    }
  });

  it("binds loopback unless told otherwise, and says so when HOST is not loopback", async () => {
    const port = await freePort();
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(port, "0.0.0.0", () => r())); // busy: it stops right after the warning
    try {
      const s = start({ PORT: String(port), ADMIN_PORT: String(await freePort()), HOST: "0.0.0.0" });
      expect(await s.exited).toBe(1);
      expect(s.err()).toMatch(/^HOST=0\.0\.0\.0: the API is reachable from other machines\. In production put the nginx front door/);
    } finally {
      srv.close();
    }
    // (With the default HOST the busy-port answers above are one line each: no warning.)
  });

  it("serves the API, and /live and /ready on the admin port; Ctrl-C stops it", async () => {
    // The admin port is PORT + 1 by default: both must be free (another process may hold the next one).
    let port = await freePort();
    while (!(await canBind(port + 1))) port = await freePort();
    const s = start({ PORT: String(port), ADMIN_PORT: "" });
    try {
      // Until it has printed its URLs or stopped (a start that fails shows its output below).
      let stopped = false;
      void s.exited.then(() => {
        stopped = true;
      });
      await until(async () => s.out().includes("Health:") || stopped);
      expect(s.out(), s.err()).toContain(`Health:   http://127.0.0.1:${port + 1}/live  http://127.0.0.1:${port + 1}/ready`);
      for (const probe of ["live", "ready"]) {
        expect((await fetch(`http://127.0.0.1:${port + 1}/${probe}`)).status).toBe(200);
      }
      expect((await fetch(`http://127.0.0.1:${port}/rpc/sync_groups`, { method: "POST" })).status).toBe(401);
    } finally {
      s.child.kill("SIGINT");
    }
    expect(await s.exited).toBe(0);
  });
});
