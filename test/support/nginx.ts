// The production front door in tests: Debian's nginx with deploy/nginx's configuration, rendered
// for a loopback port in front of the test PostgREST.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../scripts/lib/paths.js";
import { freePort, isRoot, sleep } from "../../scripts/lib/run.js";

export interface FrontDoor { url: string; accessLog: () => string; stop(): Promise<void> }

export async function startFrontDoor(upstream: string): Promise<FrontDoor> {
  const dir = mkdtempSync(join(tmpdir(), "wa-nginx-"));
  const port = await freePort();
  const deploy = join(repoRoot, "deploy", "nginx");
  const site = readFileSync(join(deploy, "wa-campaigns.conf.template"), "utf8")
    .replaceAll("${WA_LISTEN}", `127.0.0.1:${port}`).replaceAll("${WA_UPSTREAM}", new URL(upstream).host);
  writeFileSync(join(dir, "wa-campaigns.conf"), site);
  copyFileSync(join(deploy, "wa-campaigns-proxy.conf"), join(dir, "wa-campaigns-proxy.conf"));
  for (const d of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, d));
  writeFileSync(join(dir, "nginx.conf"), `
${isRoot ? "user root root;" : ""}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  log_format upstream '$request_method $uri $status upstream=$upstream_addr';
  access_log ${dir}/access.log upstream;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/wa-campaigns.conf;
}
`);
  const child: ChildProcess = spawn(process.env.WA_NGINX_BIN ?? "/usr/sbin/nginx", ["-p", dir, "-c", join(dir, "nginx.conf")],
    { stdio: ["ignore", "inherit", "inherit"] });
  let exited = false;
  child.on("exit", () => { exited = true; });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`nginx exited: ${readFileSync(join(dir, "error.log"), "utf8")}`);
    if (await fetch(url + "/rpc/nope/").then(() => true, () => false)) break;
    if (i > 100) throw new Error("nginx did not start");
    await sleep(50);
  }
  return {
    url,
    accessLog: () => readFileSync(join(dir, "access.log"), "utf8"),
    stop: async () => {
      if (!exited) {
        child.kill("SIGQUIT");
        await new Promise((r) => child.once("exit", r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
