// Debian's PgBouncer in transaction pooling mode in front of the test server, for the role and
// database of a connection string (authenticator's, as PostgREST uses it): what
// docs/deployment.md's "Behind PgBouncer" describes.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, isRoot, sleep } from "../../scripts/lib/run.js";

export interface Bouncer {
  /** The same role and database, through PgBouncer. */
  uri: string;
  stop(): Promise<void>;
}

export async function startPgbouncer(serverUri: string): Promise<Bouncer> {
  const u = new URL(serverUri);
  const host = u.searchParams.get("host") ?? u.hostname;
  const role = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  const db = u.pathname.slice(1);
  const dir = mkdtempSync(join(tmpdir(), "wa-pgbouncer-"));
  const port = await freePort();
  // Clients connect without a password (loopback, a test); PgBouncer logs in with the role's own.
  writeFileSync(join(dir, "users.txt"), `"${role}" "${password}"\n`);
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    `
[databases]
${db} = host=${host} port=${u.searchParams.get("port") ?? (u.port || "5432")} dbname=${db}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${join(dir, "users.txt")}
pool_mode = transaction
default_pool_size = 20
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = ${join(dir, "pgbouncer.log")}
`,
  );
  // PgBouncer refuses to run as root: as root, run it as the postgres user.
  if (isRoot) {
    const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
    const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
    for (const f of ["", "users.txt", "pgbouncer.ini"]) chownSync(join(dir, f), uid, gid);
  }
  const bin = process.env.WA_PGBOUNCER_BIN ?? "/usr/sbin/pgbouncer";
  const child: ChildProcess = isRoot
    ? spawn("runuser", ["-u", "postgres", "--", bin, join(dir, "pgbouncer.ini")], { stdio: "inherit" })
    : spawn(bin, [join(dir, "pgbouncer.ini")], { stdio: "inherit" });
  const exited = new Promise((r) => child.once("exit", r));
  const net = await import("node:net");
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = net
        .connect(port, "127.0.0.1", () => {
          s.end();
          r(true);
        })
        .on("error", () => r(false));
    });
    if (up) break;
    if (i > 100) throw new Error("PgBouncer did not start");
    await sleep(50);
  }
  const through = new URL(serverUri);
  through.host = `127.0.0.1:${port}`;
  through.password = "";
  through.search = "";
  return {
    uri: through.toString(),
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
