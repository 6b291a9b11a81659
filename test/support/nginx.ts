// The production front door in tests: Debian's nginx with deploy/nginx's configuration, rendered
// by docs/deployment.md's own block (<!-- tested: nginx -->) for a loopback port in front of a
// test PostgREST, under a main configuration that includes conf.d/*.conf as Debian's does.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HANG_GUARD_MS } from "../../scripts/lib/hang-guard.js";
import { freePort, isRoot, sleep } from "../../scripts/lib/run.js";
import { runBlock } from "./doc-blocks.js";

export interface FrontDoor {
  url: string;
  accessLog: () => string;
  stop(): Promise<void>;
}

export async function startFrontDoor(upstream: string): Promise<FrontDoor> {
  const dir = mkdtempSync(join(tmpdir(), "wa-nginx-"));
  const port = await freePort();
  for (const d of ["conf.d", "body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, d));
  runBlock("nginx", { NGINX_DIR: dir, WA_LISTEN: `127.0.0.1:${port}`, WA_UPSTREAM: new URL(upstream).host });
  // The production proxy settings, but for their timeouts: in tests they only guard against hangs
  // (a large call on a busy machine may take longer than production's 120 s; speed is the bench's).
  const guard = `${Math.ceil(HANG_GUARD_MS / 1000)}s`;
  const proxyFile = join(dir, "wa-campaigns-proxy.conf");
  const proxy = readFileSync(proxyFile, "utf8").replace(/^(proxy_(?:read|send)_timeout) \d+s;$/gm, `$1 ${guard};`);
  if (!proxy.includes(`proxy_read_timeout ${guard};`))
    throw new Error("deploy/nginx/wa-campaigns-proxy.conf no longer sets proxy_read_timeout");
  writeFileSync(proxyFile, proxy);
  writeFileSync(
    join(dir, "nginx.conf"),
    `
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
  include ${dir}/conf.d/*.conf;
}
`,
  );
  const child: ChildProcess = spawn(process.env.WA_NGINX_BIN ?? "/usr/sbin/nginx", ["-p", dir, "-c", join(dir, "nginx.conf")], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}`;
  // Until it answers or exits (vitest's hang guard ends a start that does neither).
  for (;;) {
    if (exited) throw new Error(`nginx exited: ${readFileSync(join(dir, "error.log"), "utf8")}`);
    if (
      await fetch(url + "/rpc/nope/").then(
        () => true,
        () => false,
      )
    )
      break;
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
