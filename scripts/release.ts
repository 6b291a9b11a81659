// npm run release -- <version>: make a release (docs/operations.md, "Releases").
//  1. refuses, before changing anything, a version that is not semver, one older than the tree's,
//     or one CHANGELOG.md has no section for (a "## <version>" heading, or "## Unreleased", which
//     it stamps "## <version> — <date>") with its "### Upgrade notes";
//  2. stamps the version everywhere it is carried: package.json (the one source), the client's and
//     the backend's package.json, package-lock.json, the OpenAPI document's info.version;
//  3. packs both packages into release/<version>/ (git-ignored) and installs each in a scratch
//     project: the client compiled from ESM and CommonJS by strict tsc and loaded both ways; the
//     backend's `npx wa-campaigns migrate` into a throwaway database, then PostgREST with the
//     package's settings and calls through it (a gateway call, a CRM read, GET /'s version);
//  4. prints the git commands that name the release (it pushes nothing, tags nothing).
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareVersions } from "./lib/downgrade.js";
import { openApiJson } from "./lib/openapi.js";
import { releaseVersion, repoRoot } from "./lib/paths.js";
import { startPostgrest } from "./lib/postgrest.js";
import { freePort } from "./lib/run.js";
import { randomSecret } from "./lib/secrets.js";
import { testTarget } from "./lib/target.js";

const version = process.argv[2] ?? "";
const current = releaseVersion();
const fail = (msg: string): never => {
  console.error(`release: ${msg}`);
  process.exit(1);
};
const path = (...p: string[]) => join(repoRoot, ...p);

// 1. Refusals, before anything changes.
if (compareVersions(version, version) === undefined) fail(`usage: npm run release -- <major.minor.patch> (got "${version}")`);
if ((compareVersions(version, current) ?? 0) < 0)
  fail(`${version} is older than this tree's release ${current}: releases never go backwards`);
const changelog = readFileSync(path("CHANGELOG.md"), "utf8");
const headings = [...changelog.matchAll(/^## (.+)$/gm)];
const sectionOf = (m: RegExpMatchArray) => {
  const next = headings.find((h) => h.index! > m.index!);
  return changelog.slice(m.index!, next?.index ?? changelog.length);
};
const escaped = version.replace(/[.+]/g, "\\$&");
const named = headings.find((h) => new RegExp(`^${escaped}(?:\\s|$)`).test(h[1]!));
const unreleased = headings.find((h) => /^Unreleased\b/.test(h[1]!));
const section = named ?? unreleased;
if (!section) fail(`CHANGELOG.md has no section for ${version}: add "## ${version}" (or "## Unreleased") with its "### Upgrade notes"`);
if (!/^### Upgrade notes\s*\n\s*\S/m.test(sectionOf(section!))) {
  fail(`CHANGELOG.md's section "${section![1]}" has no "### Upgrade notes" (what a caller must change, or that nothing must)`);
}

// 2. The version, everywhere.
const date = new Date().toISOString().slice(0, 10);
if (!named) {
  const title = unreleased![1]!.replace(/^Unreleased\s*(—\s*)?/, "");
  writeFileSync(path("CHANGELOG.md"), changelog.replace(unreleased![0], `## ${version} — ${date}${title ? ` — ${title}` : ""}`));
}
for (const file of ["package.json", "clients/ts/package.json", "packages/backend/package.json"]) {
  const text = readFileSync(path(file), "utf8");
  writeFileSync(path(file), text.replace(/^( {2}"version": )"[^"]*"/m, `$1"${version}"`));
}
const lock = JSON.parse(readFileSync(path("package-lock.json"), "utf8"));
lock.version = version;
for (const key of ["", "clients/ts", "packages/backend"]) lock.packages[key].version = version;
writeFileSync(path("package-lock.json"), JSON.stringify(lock, null, 2) + "\n");
const openapiFile = path("db", "contracts", "openapi.generated.json");
const { "x-generated": _, ...doc } = JSON.parse(readFileSync(openapiFile, "utf8"));
doc.info.version = version;
writeFileSync(openapiFile, openApiJson(doc));
console.log(
  `stamped ${version}: package.json, clients/ts, packages/backend, package-lock.json, the OpenAPI document${named ? "" : ", CHANGELOG.md"}`,
);

// 3. Pack, then install each package where a user would.
const out = path("release", version);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const pack = (workspace: string) => {
  const json = execFileSync("npm", ["pack", "--workspace", workspace, "--pack-destination", out, "--json"], {
    cwd: repoRoot,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return join(out, (JSON.parse(json) as { filename: string }[])[0]!.filename);
};
const clientTgz = pack("clients/ts");
const backendTgz = pack("packages/backend");
console.log(`packed ${clientTgz}\npacked ${backendTgz}`);

const sh = (cwd: string, cmd: string, args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) fail(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout.trim();
};
const scratch = (name: string, tarball: string) => {
  const dir = mkdtempSync(join(tmpdir(), `wa-release-${name}-`));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `release-check-${name}`, private: true, type: "module" }));
  sh(dir, "npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", tarball]);
  return dir;
};

// The client: ESM and CommonJS, strict tsc against the package's own types, loaded both ways.
const clientDir = scratch("client", clientTgz);
try {
  mkdirSync(join(clientDir, "src"));
  for (const f of ["crm-usage.ts", "commonjs-usage.cts"]) copyFileSync(path("clients", "ts", "examples", f), join(clientDir, "src", f));
  writeFileSync(
    join(clientDir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        outDir: "out",
        types: ["node"],
        typeRoots: [path("node_modules", "@types")],
      },
      include: ["src"],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  sh(clientDir, process.execPath, [tsc, "-p", "tsconfig.json"]);
  const esm = sh(clientDir, process.execPath, [
    "--input-type=module",
    "-e",
    "const m = await import('@wa-campaigns/client'); console.log(Object.keys(m).length)",
  ]);
  const cjs = sh(clientDir, process.execPath, ["-e", "console.log(Object.keys(require('@wa-campaigns/client')).length)"]);
  if (esm !== cjs || Number(esm) < 1) fail(`the client exports ${esm} names from ESM and ${cjs} from CommonJS`);
  console.log(`client ${version}: strict tsc (ESM and CommonJS) passed; ${esm} exports both ways`);
} finally {
  rmSync(clientDir, { recursive: true, force: true });
}

// The backend: migrate a throwaway database from the package alone, then serve it and call it.
const backendDir = scratch("backend", backendTgz);
const target = await testTarget();
try {
  const password = randomSecret(24);
  const env = { DATABASE_URL: target.adminUrl, AUTHENTICATOR_PASSWORD: password };
  sh(backendDir, "npx", ["--no-install", "wa-campaigns", "migrate"], env);
  const key = (role: string) =>
    sh(backendDir, "npx", ["--no-install", "wa-campaigns", "api-key", "create", "--role", role, "--label", role], env);
  const [gateway, crm] = [key("gateway"), key("crm")];
  const api = await startPostgrest({
    dbUri: await target.postgrestUri(),
    jwtSecret: randomSecret(32),
    port: await freePort(),
    config: join(backendDir, "node_modules", "@wa-campaigns", "backend", "postgrest.conf"),
  });
  try {
    const root = (await (await fetch(api.url + "/")).json()) as { info: { version: string } };
    if (root.info.version !== version) fail(`GET / says version ${root.info.version}`);
    const jid = "120363000000000001@g.us";
    const sync = await fetch(api.url + "/rpc/sync_groups", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": gateway },
      body: JSON.stringify({ sessionId: "wa_release", groups: [{ id: jid, subject: "release check" }] }),
    });
    if (sync.status !== 200) fail(`sync_groups answered ${sync.status}: ${await sync.text()}`);
    const read = (await (
      await fetch(`${api.url}/sendable_groups?select=group_jid`, { headers: { "x-api-key": crm } })
    ).json()) as unknown[];
    if (JSON.stringify(read) !== JSON.stringify([{ group_jid: jid }])) fail(`sendable_groups answered ${JSON.stringify(read)}`);
    const db = sh(backendDir, "npx", ["--no-install", "wa-campaigns", "version"], env);
    if (!db.endsWith(`database ${version}`)) fail(`wa-campaigns version said: ${db}`);
    console.log(
      `backend ${version}: npx wa-campaigns migrate into an empty database, PostgREST with the package's settings, calls answered`,
    );
  } finally {
    await api.stop();
  }
} finally {
  await target.teardown();
  rmSync(backendDir, { recursive: true, force: true });
}

// 4. Naming the release is the maintainer's.
if (!existsSync(path(".git"))) console.log("(not a git checkout: commit and tag where the repository is)");
console.log(`
release ${version} is ready: ${out}
  git commit -am "Release ${version}" && git tag -a v${version} -m "Release ${version}"
  (then publish: npm publish ${backendTgz} && npm publish ${clientTgz}; push the tag when you mean it)`);
