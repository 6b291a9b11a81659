// Small process helpers shared by the scripts.
import { spawnSync, type SpawnOptions } from "node:child_process";

export const isRoot = process.getuid?.() === 0;

/** Runs a command to completion; throws with its output when it fails. */
export function run(cmd: string, args: string[], opts: SpawnOptions & { quiet?: boolean } = {}): string {
  const res = spawnSync(cmd, args, { encoding: "utf8", ...opts, stdio: ["ignore", "pipe", "pipe"] });
  if (res.error) throw res.error;
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${res.status}\n${res.stdout ?? ""}${res.stderr ?? ""}`);
  }
  return String(res.stdout ?? "");
}

/** The command line for running a PostgreSQL server binary: as the postgres user when root. */
export function asPostgresUser(bin: string, args: string[]): [string, string[]] {
  return isRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
}

export function commandExists(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

export async function freePort(): Promise<number> {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when something already listens on host:port (so binding it would fail). */
export async function portInUse(host: string, port: number): Promise<boolean> {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "EADDRINUSE" || e.code === "EACCES"));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(false)));
  });
}
