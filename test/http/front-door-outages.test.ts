// HTTP through the front door while parts are down: PostgREST's own 503 (PGRST000/PGRST001: the
// database cannot be reached) carries libpq's message with the server's socket path, and nginx's
// own 502 is an HTML page. Through the front door both are a coded JSON body that names nothing
// internal. Real parts: a cluster of its own that is stopped, a real PostgREST, Debian's nginx.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withClient } from "../../scripts/lib/db.js";
import { localCluster, startCluster, stopCluster } from "../../scripts/lib/postgres.js";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort } from "../../scripts/lib/run.js";
import { randomSecret } from "../../scripts/lib/secrets.js";
import { startFrontDoor, type FrontDoor } from "../support/nginx.js";

const binDir = process.env.WA_PG_BINDIR;
const dir = mkdtempSync(join(tmpdir(), "wa-outage-"));
let cluster: ReturnType<typeof localCluster> | undefined;
let api: RunningPostgrest | undefined;
let door: FrontDoor | undefined;
afterAll(async () => {
  await door?.stop();
  await api?.stop();
  if (cluster && binDir) stopCluster(binDir, cluster, "immediate");
  rmSync(dir, { recursive: true, force: true });
});

const get = async (url: string) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
};

describe.skipIf(!binDir)("the front door while parts are down", () => {
  it("database down: 503 service_unavailable without the socket path; PostgREST down: 502, coded JSON", async () => {
    cluster = localCluster(join(dir, "data"), join(dir, "sock"), await freePort());
    startCluster(binDir!, cluster, { throwaway: true });
    // PostgREST answers from its schema cache before it needs a connection: the call must exist.
    await withClient(cluster.url("postgres"), (c) =>
      c.query("create schema api; create function api.ping(jsonb) returns jsonb language sql as 'select $1'"),
    );
    api = await startPostgrest({
      dbUri: cluster.url("postgres"),
      jwtSecret: randomSecret(),
      port: await freePort(),
      poolSize: 2,
      logLevel: "crit",
    });
    door = await startFrontDoor(api.url);
    stopCluster(binDir!, cluster, "immediate");

    // PostgREST alone says where the database lives (what the front door is there to hide).
    const direct = await get(`${api.url}/rpc/ping`);
    expect(direct.status).toBe(503);
    expect(direct.text).toContain(".s.PGSQL");

    const via = await get(`${door.url}/rpc/ping`);
    expect([via.status, via.type]).toEqual([503, "application/json"]);
    expect(JSON.parse(via.text)).toMatchObject({ code: "service_unavailable" });
    expect(via.text).not.toMatch(/PGSQL|socket|\/tmp|wa-outage|postgres/i);

    await api.stop();
    api = undefined;
    const gone = await get(`${door.url}/campaigns`);
    expect([gone.status, gone.type]).toEqual([502, "application/json"]);
    expect(JSON.parse(gone.text)).toMatchObject({ code: "service_unavailable" });
    expect(gone.text).not.toMatch(/nginx|<html/i);
  });
});
