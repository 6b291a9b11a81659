// A pg_auto_failover formation on this machine (Debian's postgresql-15-auto-failover and
// pg-auto-failover-cli): a monitor and two PostgreSQL nodes, primary and synchronous standby, run
// by pg_autoctl as the postgres user. Used by npm run test:failover.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { withClient } from "./db.js";
import { aptInstall } from "./postgres.js";
import { asPostgresUser, freePort, isRoot, run, sleep } from "./run.js";

export interface FormationNode {
  name: string;
  port: number;
  pgdata: string;
  keeper?: ChildProcess;
}

export interface Formation {
  dir: string;
  monitorPort: number;
  nodes: FormationNode[];
  /** Superuser connection to one node's app database. */
  url(node: FormationNode): string;
  /** What PostgREST connects with: every node, libpq picks the writable one. */
  multiHostUri(role: string): string;
  /** The monitor's view: node name → [reported state, assigned state]. */
  states(): Promise<Record<string, [string, string]>>;
  /** Waits until one node is primary and the other secondary (replication synchronous again). */
  waitHealthy(timeoutMs?: number): Promise<{ primary: FormationNode; secondary: FormationNode }>;
  /** Starts (again) the keeper of a node whose keeper was killed: it rejoins as a standby. */
  startKeeper(node: FormationNode, create?: boolean): void;
  /** kill -9 of a node's keeper (and its process group) and of its postmaster, by pid. */
  kill(node: FormationNode): { postmasterPid: number };
  stop(): Promise<void>;
}

export function ensureAutoFailover(major: string): string {
  const bin = "/usr/bin/pg_autoctl";
  if (!existsSync(bin)) aptInstall([`postgresql-${major}-auto-failover`, "pg-auto-failover-cli"], "pg_auto_failover is");
  return bin;
}

export async function createFormation(dir: string, binDir: string): Promise<Formation> {
  const pgctl = join(binDir, "pg_ctl");
  for (const d of [dir, join(dir, "run"), join(dir, "config"), join(dir, "share")]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    if (isRoot) chownSync(d, Number(run("id", ["-u", "postgres"]).trim()), Number(run("id", ["-g", "postgres"]).trim()));
  }
  // pg_autoctl keeps its state and pid files under the XDG directories: all inside `dir`.
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, "config"),
    XDG_DATA_HOME: join(dir, "share"),
    XDG_RUNTIME_DIR: join(dir, "run"),
  };
  const monitorPort = await freePort();
  const monitorUri = `postgres://autoctl_node@127.0.0.1:${monitorPort}/pg_auto_failover?sslmode=disable`;
  const nodes: FormationNode[] = [];
  for (const name of ["node1", "node2"]) nodes.push({ name, port: await freePort(), pgdata: join(dir, name) });
  const children: ChildProcess[] = [];

  const autoctl = (args: string[], log: string): ChildProcess => {
    const [cmd, argv] = asPostgresUser("/usr/bin/pg_autoctl", args);
    const out = openSync(join(dir, log), "a");
    // Its own process group: a kill of the group takes the keeper and everything it started.
    const child = spawn(cmd, argv, { env, detached: true, stdio: ["ignore", out, out] });
    children.push(child);
    return child;
  };
  const superuser = (port: number, db: string) => `postgresql://postgres@127.0.0.1:${port}/${db}`;
  const query = async <T>(port: number, db: string, sql: string) =>
    withClient(superuser(port, db), async (c) => (await c.query(sql)).rows as T[]);
  const until = async (what: string, ms: number, ok: () => Promise<boolean>) => {
    const deadline = Date.now() + ms;
    while (!(await ok().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`pg_auto_failover: ${what} not reached in ${ms / 1000}s (logs in ${dir})`);
      await sleep(500);
    }
  };

  autoctl(
    [
      "create",
      "monitor",
      "--pgdata",
      join(dir, "monitor"),
      "--pgport",
      String(monitorPort),
      "--hostname",
      "127.0.0.1",
      "--auth",
      "trust",
      "--no-ssl",
      "--pgctl",
      pgctl,
      "--run",
    ],
    "monitor.log",
  );
  await until("monitor up", 60_000, async () => (await query(monitorPort, "pg_auto_failover", "select 1")).length === 1);
  // Detect a dead node in seconds rather than the default half-minute (the same mechanism, faster).
  for (const [k, v] of Object.entries({
    health_check_period: 1000,
    health_check_timeout: 1000,
    health_check_max_retries: 1,
    health_check_retry_delay: 500,
    node_considered_unhealthy_timeout: 3000,
    primary_demote_timeout: 5000,
  })) {
    await query(monitorPort, "pg_auto_failover", `alter system set pgautofailover.${k} = ${v}`);
  }
  await query(monitorPort, "pg_auto_failover", "select pg_reload_conf()");

  const formation: Formation = {
    dir,
    monitorPort,
    nodes,
    url: (n) => superuser(n.port, "app"),
    multiHostUri: (role) => `postgresql://${role}@${nodes.map((n) => `127.0.0.1:${n.port}`).join(",")}/app?target_session_attrs=read-write`,
    async states() {
      const rows = await query<{ nodename: string; reportedstate: string; goalstate: string }>(
        monitorPort,
        "pg_auto_failover",
        "select nodename, reportedstate::text, goalstate::text from pgautofailover.node",
      );
      return Object.fromEntries(rows.map((r) => [r.nodename, [r.reportedstate, r.goalstate]]));
    },
    async waitHealthy(timeoutMs = 120_000) {
      let primary: FormationNode | undefined;
      let secondary: FormationNode | undefined;
      await until("a primary and a synchronous secondary", timeoutMs, async () => {
        const s = await formation.states();
        primary = nodes.find((n) => s[n.name]?.[0] === "primary" && s[n.name]?.[1] === "primary");
        secondary = nodes.find((n) => s[n.name]?.[0] === "secondary" && s[n.name]?.[1] === "secondary");
        // A standby's base backup waits for a checkpoint: ask for one rather than wait minutes.
        const writable = nodes.find((n) => ["primary", "wait_primary", "single"].includes(s[n.name]?.[0] ?? ""));
        if (writable && !secondary) await query(writable.port, "postgres", "checkpoint").catch(() => {});
        if (!primary || !secondary) return false;
        const [sync] = await query<{ s: string }>(primary.port, "postgres", "select current_setting('synchronous_standby_names') as s");
        return sync!.s !== "";
      });
      return { primary: primary!, secondary: secondary! };
    },
    startKeeper(node, create = false) {
      node.keeper = autoctl(
        create
          ? [
              "create",
              "postgres",
              "--pgdata",
              node.pgdata,
              "--pgport",
              String(node.port),
              "--hostname",
              "127.0.0.1",
              "--listen",
              "127.0.0.1",
              "--name",
              node.name,
              "--dbname",
              "app",
              "--auth",
              "trust",
              "--no-ssl",
              "--pgctl",
              pgctl,
              "--monitor",
              monitorUri,
              "--run",
            ]
          : ["run", "--pgdata", node.pgdata],
        `${node.name}.log`,
      );
    },
    kill(node) {
      if (node.keeper?.pid) {
        try {
          process.kill(-node.keeper.pid, "SIGKILL");
        } catch {
          /* gone already */
        }
      }
      const postmasterPid = Number(readFileSync(join(node.pgdata, "postmaster.pid"), "utf8").split("\n")[0]);
      try {
        process.kill(postmasterPid, "SIGKILL");
      } catch {
        /* the group kill took it */
      }
      return { postmasterPid };
    },
    async stop() {
      for (const c of children) {
        if (c.pid && c.exitCode === null) {
          try {
            process.kill(-c.pid, "SIGTERM");
          } catch {
            /* gone */
          }
        }
      }
      await sleep(3000);
      for (const c of children) {
        if (c.pid) {
          try {
            process.kill(-c.pid, "SIGKILL");
          } catch {
            /* gone */
          }
        }
      }
      // Whatever a killed keeper left running (a postmaster of a node of ours).
      spawnSync("pkill", ["-9", "-f", `postgres -D ${dir}`]);
    },
  };
  // The first node becomes the primary, the second its standby.
  formation.startKeeper(nodes[0]!, true);
  await until("node1 primary", 90_000, async () =>
    ["single", "wait_primary", "primary"].includes((await formation.states()).node1?.[0] ?? ""),
  );
  formation.startKeeper(nodes[1]!, true);
  return formation;
}
