// Starting a cluster never changes the machine's temporary directory: a socket directory directly
// in /tmp (as npm start's is) leaves /tmp at mode 1777. A chmod 0711 of the socket directory's
// parent once took every other user's access to /tmp (apt-get among them).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localCluster, startCluster, stopCluster } from "../../scripts/lib/postgres.js";
import { freePort } from "../../scripts/lib/run.js";

const binDir = process.env.WA_PG_BINDIR;
const dir = mkdtempSync(join(tmpdir(), "wa-tmpmode-"));
const socketDir = join(tmpdir(), `wa-tmpmode-sock-${process.pid}`);
let cluster: ReturnType<typeof localCluster> | undefined;
afterAll(() => {
  if (cluster && binDir) stopCluster(binDir, cluster, "immediate");
  rmSync(dir, { recursive: true, force: true });
  rmSync(socketDir, { recursive: true, force: true });
});

describe.skipIf(!binDir)("the machine's temporary directory", () => {
  it("keeps mode 1777 when a cluster's socket directory is made in it", async () => {
    const before = statSync(tmpdir()).mode & 0o7777;
    cluster = localCluster(join(dir, "data"), socketDir, await freePort());
    startCluster(binDir!, cluster, { throwaway: true });
    expect((statSync(tmpdir()).mode & 0o7777).toString(8)).toBe(before.toString(8));
    expect(before & 0o1777).toBe(0o1777);
  });
});
