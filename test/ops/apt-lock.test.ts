// npm run setup survives a busy package manager: with another apt/dpkg holding the dpkg lock,
// apt-get waits for it (bounded), setup says so, and every run logs to a file of its own. The real
// apt-get, through the seam setup's installs use (aptGet in scripts/lib/postgres.ts), running the
// harmless `apt-get check` (it takes the dpkg frontend lock as an install does, and installs
// nothing). The lock is held as apt and dpkg hold it, with fcntl (a POSIX lock: flock(1) takes a
// different kind that apt does not see), by a python3 child. Root only (the lock file is root's).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { aptGet, DPKG_FRONTEND_LOCK } from "../../scripts/lib/postgres.js";
import { commandExists, isRoot } from "../../scripts/lib/run.js";
import { until } from "../support/wait.js";

const canTest = isRoot && commandExists("apt-get") && commandExists("python3") && existsSync(DPKG_FRONTEND_LOCK);
let holder: ChildProcess | undefined;
const logs: string[] = [];
afterEach(() => {
  holder?.kill("SIGKILL");
  holder = undefined;
  for (const log of logs.splice(0)) rmSync(dirname(log), { recursive: true, force: true });
});

/** A child that holds the dpkg frontend lock for `seconds` (or until killed); resolves once it holds it. */
async function holdDpkgLock(seconds: number): Promise<ChildProcess> {
  const script = [
    "import fcntl, sys, time",
    `f = open(${JSON.stringify(DPKG_FRONTEND_LOCK)}, "r+")`,
    "fcntl.lockf(f, fcntl.LOCK_EX)",
    'print("held", flush=True)',
    `time.sleep(${seconds})`,
  ].join("\n");
  const child = spawn("python3", ["-c", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  await until(async () => out.includes("held"));
  return child;
}

describe.skipIf(!canTest)("apt-get while another apt/dpkg holds the lock", () => {
  it("waits for the lock, says so (naming the holder and the bound), and logs each run to a file of its own", async () => {
    holder = await holdDpkgLock(3);
    const said: string[] = [];
    const first = aptGet(["check"], { lockWaitSeconds: 600, say: (m) => said.push(m) });
    logs.push(first.log);
    expect(first.status).toBe(0);
    const text = said.join("\n");
    expect(text).toMatch(/holds the package lock/);
    expect(text).toContain(`pid ${holder.pid}`);
    expect(text).toMatch(/waiting up to 600 s/);
    // apt-get's own words, in this run's log.
    expect(readFileSync(first.log, "utf8")).toMatch(/Waiting for cache lock/);

    const second = aptGet(["check"], { lockWaitSeconds: 600, say: () => {} });
    logs.push(second.log);
    expect(second.status).toBe(0);
    expect(second.log).not.toBe(first.log);
    expect(readFileSync(second.log, "utf8")).not.toMatch(/Waiting for cache lock/);
  });

  it("gives up after the bound, saying so, with its own log named", async () => {
    holder = await holdDpkgLock(3600);
    const said: string[] = [];
    const r = aptGet(["check"], { lockWaitSeconds: 1, say: (m) => said.push(m) });
    logs.push(r.log);
    expect(r.status).not.toBe(0);
    expect(said.join("\n")).toMatch(/still held after 1 s/);
    expect(readFileSync(r.log, "utf8")).toMatch(/Could not get lock/);
  });
});
