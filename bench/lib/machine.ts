import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { postgrestBin } from "../../scripts/lib/postgrest.js";

export async function describeMachine(adminUrl: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  const { rows } = await c.query(
    "select version() as v, current_setting('fsync') as fsync, current_setting('synchronous_commit') as sc, current_setting('shared_buffers') as sb",
  );
  await c.end();
  const cpuModel = cpus()[0]?.model ?? readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown";
  return {
    cpu: cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: rows[0].v as string,
    postgresSettings: `fsync=${rows[0].fsync}, synchronous_commit=${rows[0].sc}, shared_buffers=${rows[0].sb}`,
    postgrest: spawnSync(postgrestBin(), ["--version"], { encoding: "utf8" }).stdout.trim(),
  };
}
