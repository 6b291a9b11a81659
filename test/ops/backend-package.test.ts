// The backend as a package (issue 38): from an empty directory holding only the packed tarball,
// `npx wa-campaigns migrate` installs a working backend into an empty database, PostgREST started
// as the CLI's help documents it (the settings file the package carries) serves it, the API key
// CLI works from the package, `version` names the release everywhere (package, database, GET /),
// and the refusal to go backwards works without git (a database a newer release migrated).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeDump } from "../../scripts/lib/migrate.js";
import { releaseVersion } from "../../scripts/lib/paths.js";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort, run } from "../../scripts/lib/run.js";
import { randomSecret } from "../../scripts/lib/secrets.js";
import { db, dbUrl } from "../support/env.js";
import { baileysGroup, groupJid, uniqueSession } from "../support/fixtures.js";
import { installProject, pack, type Project } from "../support/packages.js";

const scratch = mkdtempSync(join(tmpdir(), "wa-backend-pack-"));
let project: Project;
let postgrest: RunningPostgrest | undefined;
const databases: string[] = [];
const version = releaseVersion();

async function newDatabase(): Promise<string> {
  const name = `wa_package_${databases.length}_${process.pid}`;
  await db.query(`create database ${name}`);
  databases.push(name);
  const u = new URL(dbUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

const schemaOf = (url: string) =>
  normalizeDump(run("pg_dump", ["--schema-only", "--schema=api", "--schema=internal", "--schema=wa_data", "--dbname", url]));

beforeAll(() => {
  project = installProject([pack("packages/backend", scratch)]);
});
afterAll(async () => {
  await postgrest?.stop();
  for (const d of databases) await db.query(`drop database if exists ${d} with (force)`);
  await db.end();
  project?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe("@wa-campaigns/backend from its tarball", () => {
  it("carries the SQL and contracts of this tree, compiled CLI, no TypeScript runner, production dependencies only", () => {
    const pkgDir = join(project.dir, "node_modules", "@wa-campaigns", "backend");
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    expect(pkg.version).toBe(version);
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["dbmate", "pg"]);
    const tree = run("find", [".", "-type", "f"], { cwd: pkgDir });
    expect(tree).toContain("./db/migrations/20261207700000_function_sets_record_the_release.sql");
    expect(tree).toContain("./db/functions/internal.version.sql");
    expect(tree).toContain("./db/contracts/openapi.generated.json");
    expect(tree).toContain("./postgrest.conf");
    const installed = run("ls", [join(project.dir, "node_modules")]);
    for (const dev of ["tsx", "typescript", "vitest", "esbuild"]) expect(installed.split("\n")).not.toContain(dev);
  });

  it("`npx wa-campaigns migrate` installs into an empty database; the documented PostgREST serves it; keys from the CLI work", async () => {
    const url = await newDatabase();
    const password = randomSecret(24);
    const m = project.cli(["migrate"], { DATABASE_URL: url, AUTHENTICATOR_PASSWORD: password });
    expect(m.err).not.toMatch(/error/i);
    expect(m.code).toBe(0);
    expect(m.out).toContain("Applied: 20261207700000_function_sets_record_the_release.sql");

    const v = project.cli(["version"], { DATABASE_URL: url });
    expect(v.out).toBe(`@wa-campaigns/backend ${version}\ndatabase ${version}`);

    const gateway = project.cli(["api-key", "create", "--role", "gateway", "--label", "vps-1"], { DATABASE_URL: url });
    const crm = project.cli(["api-key", "create", "--role", "crm", "--label", "crm-1"], { DATABASE_URL: url });
    expect([gateway.code, crm.code]).toEqual([0, 0]);

    const pgrstUri = new URL(url);
    pgrstUri.username = "authenticator";
    pgrstUri.password = password;
    postgrest = await startPostgrest({
      dbUri: pgrstUri.toString(),
      jwtSecret: randomSecret(32),
      port: await freePort(),
      config: join(project.dir, "node_modules", "@wa-campaigns", "backend", "postgrest.conf"),
    });
    const root = await fetch(postgrest.url + "/");
    expect(root.status).toBe(200);
    expect(((await root.json()) as { info: { version: string } }).info.version).toBe(version);

    const session = uniqueSession();
    const jid = groupJid();
    const sync = await fetch(postgrest.url + "/rpc/sync_groups", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": gateway.out },
      body: JSON.stringify({ sessionId: session, groups: [baileysGroup(jid, { subject: "From the package" })] }),
    });
    expect(sync.status).toBe(200);
    expect(await sync.json()).toMatchObject({ inserted: 1 });
    const read = await fetch(`${postgrest.url}/sendable_groups?session_id=eq.${session}&select=group_jid`, {
      headers: { "x-api-key": crm.out },
    });
    expect(await read.json()).toEqual([{ group_jid: jid }]);
    const anonymous = await fetch(postgrest.url + "/rpc/sync_groups", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect([anonymous.status, ((await anonymous.json()) as { code: string }).code]).toEqual([401, "missing_credentials"]);

    // The operators' other commands, from the package.
    const prune = project.cli(["prune"], { DATABASE_URL: url });
    expect([prune.code, Object.keys(JSON.parse(prune.out))]).toEqual([0, ["deleted"]]);
    const distribute = project.cli(["distribute"], { DATABASE_URL: url });
    expect([distribute.code, distribute.err]).toEqual([1, expect.stringMatching(/has no citus extension .*nothing changed$/)]);

    // A second migrate of the same release changes nothing.
    const before = schemaOf(url);
    expect(project.cli(["migrate"], { DATABASE_URL: url }).code).toBe(0);
    expect(schemaOf(url)).toBe(before);
  });

  it("refuses, in one line and without git, to migrate a database a newer release migrated; --allow-downgrade goes back on purpose", async () => {
    const url = await newDatabase();
    expect(project.cli(["migrate"], { DATABASE_URL: url }).code).toBe(0);
    // What a later release's migrate leaves behind: its version on the function-set history.
    run("psql", [
      "-XAtq",
      "--dbname",
      url,
      "-c",
      "insert into wa_data.function_sets (fingerprint, migration, version) values ('later', '29991231000000', '99.0.0')",
    ]);
    const before = schemaOf(url);
    const refused = project.cli(["migrate"], { DATABASE_URL: url });
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      `Refusing to migrate: the database runs release 99.0.0, newer than this one's ${version}. ` +
        "Migrate with that version, or pass --allow-downgrade to put this checkout's functions in place anyway.",
    );
    expect(schemaOf(url)).toBe(before);
    const forced = project.cli(["migrate", "--allow-downgrade"], { DATABASE_URL: url });
    expect(forced.code).toBe(0);
    expect(project.cli(["version"], { DATABASE_URL: url }).out).toContain(`database ${version}`);
  });

  it("says what it needs: no DATABASE_URL, an unknown command, a database not migrated yet (naming its own commands)", async () => {
    const empty = await newDatabase();
    const notMigrated = project.cli(["api-key", "list"], { DATABASE_URL: empty });
    expect(notMigrated.code).toBe(1);
    expect(notMigrated.err).toMatch(/^The database is not migrated for this version .*: run npx wa-campaigns migrate first\.$/);
    expect(project.cli(["api-key", "--help"]).out).toContain("usage: npx wa-campaigns api-key create --role");
    const none = project.cli(["migrate"]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^wa-campaigns migrate: set DATABASE_URL/);
    const unknown = project.cli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command frobnicate");
    expect(project.cli(["--help"]).out).toContain("export --supabase <dir>");
  });
});
