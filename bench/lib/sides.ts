// Two databases of one throwaway cluster, each migrated and served by a build of its own
// (bench/lib/serve-build.ts run with that build's tsx): the two sides of an A/B run.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { withClient, withSearchPath } from "../../scripts/lib/db.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { freePort } from "../../scripts/lib/run.js";
import { randomSecret } from "../../scripts/lib/secrets.js";
import { testTarget, type Target } from "../../scripts/lib/target.js";
import type { Build } from "./builds.js";

export interface Side {
  /** "A" (the working tree) or "B" (what it is compared with). */
  name: string;
  label: string;
  build: Build;
  /** Its PostgREST. */
  url: string;
  gatewayKey: string;
  crmKey: string;
  /** Admin connections to its database (tables unqualified: wa_data, or public in the first build). */
  db: pg.Pool;
  adminUrl: string;
  dbName: string;
  /** Whether its API has this RPC (the first build has no progress events, for one). */
  hasRpc(name: string): Promise<boolean>;
}

export interface Sides {
  target: Target;
  /** The JWT secret every PostgREST of this run shares. */
  jwtSecret: string;
  sides: Side[];
  close(): Promise<void>;
}

async function serve(
  build: Build,
  name: string,
  label: string,
  target: Target,
  dbName: string,
  jwtSecret: string,
  children: ChildProcess[],
): Promise<Side> {
  const adminUrl = target.serverUrl(dbName);
  const child = spawn(
    join(build.dir, "node_modules", ".bin", "tsx"),
    [
      join(repoRoot, "bench", "lib", "serve-build.ts"),
      build.dir,
      adminUrl,
      await target.postgrestUri(dbName),
      jwtSecret,
      String(await freePort()),
    ],
    { cwd: build.dir, stdio: ["pipe", "pipe", "inherit"] },
  );
  children.push(child);
  const ready = await new Promise<{ url: string; gatewayKey: string; crmKey: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (line.startsWith('{"url"')) resolve(JSON.parse(line));
      else process.stdout.write(`  [${name}] ${line}\n`);
    });
    child.once("exit", (code) => reject(new Error(`serving ${build.label} failed (exit ${code}; its output is above)`)));
  });
  const db = new pg.Pool({ connectionString: adminUrl, max: 4, ...withSearchPath() });
  return {
    name,
    label,
    build,
    adminUrl,
    dbName,
    db,
    ...ready,
    hasRpc: async (rpc) => (await db.query("select to_regproc($1) is not null as ok", [`api.${rpc}`])).rows[0].ok as boolean,
  };
}

/**
 * One throwaway cluster, one database per build, in order: the first build given is migrated
 * first. Roles are the cluster's, shared by both databases: the working tree goes first so that
 * an older build's role settings (the first build kept PostgREST's settings on authenticator)
 * are the last word for the PostgREST that reads them, while newer builds read their config file.
 */
export async function startSides(builds: { build: Build; name: string; label: string }[], settings: string[] = []): Promise<Sides> {
  if (process.env.DATABASE_URL)
    throw new Error("the A/B bench needs its own cluster (two builds' roles would share your server): unset DATABASE_URL");
  const target = await testTarget({ settings });
  const jwtSecret = randomSecret();
  const children: ChildProcess[] = [];
  const sides: Side[] = [];
  const close = async () => {
    await Promise.all(sides.map((s) => s.db.end()));
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once("exit", () => resolve());
            c.stdin?.end();
            setTimeout(() => c.kill("SIGKILL"), 10_000).unref();
          }),
      ),
    );
    await target.teardown();
  };
  try {
    for (const [i, b] of builds.entries()) {
      console.log(`side ${b.name}: ${b.label}`);
      sides.push(await serve(b.build, b.name, b.label, target, `${target.dbName}_${i}`, jwtSecret, children));
    }
    return { target, jwtSecret, sides, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Runs one statement as the cluster's superuser on a side's database (vacuum, settings). */
export const adminQuery = (side: Side, sql: string) => withClient(side.adminUrl, (c) => c.query(sql));
