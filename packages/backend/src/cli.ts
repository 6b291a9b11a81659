// wa-campaigns — the backend package's CLI: install, upgrade and operate the backend in any
// PostgreSQL ≥ 15 (plain, Supabase as a guest, Citus) with no clone and no dev tools. Each command
// is the repository's own script (scripts/*.ts), compiled into this package by its prepack
// (packages/backend/scripts/build.mjs), reading the SQL this package carries (db/).
import { parseArgs } from "node:util";

const usage = `wa-campaigns <command> — the WhatsApp campaign backend (PostgreSQL + PostgREST)

Commands (DATABASE_URL: an admin connection to the application database):
  migrate [--allow-downgrade]   install or upgrade the schema, functions and views; refuses, in one
                                line, a package older than the database (exit 1). With
                                AUTHENTICATOR_PASSWORD set, gives PostgREST's login role that password
  api-key <create|scope|rotate|revoke|list|webhook-key> ...
                                machine API keys (api-key --help)
  prune [--schedule '<cron>' | --unschedule]
                                apply the retention policy once (or schedule it with pg_cron)
  distribute                    on a Citus coordinator: distribute the tables by session
  version                       this package's release; with DATABASE_URL, the database's too
  export --supabase <dir>       write this release as a Supabase CLI migration into <dir>
                                (supabase/migrations): the full install, or the upgrade from the
                                newest release already there; then \`supabase db push\`

PostgREST serves the backend with the settings this package carries:
  PGRST_DB_URI=postgres://authenticator:<password>@<host>/<db> PGRST_JWT_SECRET=<32+ chars> \\
    postgrest node_modules/@wa-campaigns/backend/postgrest.conf`;

const [command, ...rest] = process.argv.slice(2);
// The scripts' messages name the commands as typed here (scripts/lib/paths.ts, invokedAs).
process.env.WA_CAMPAIGNS_CLI = "1";
// The command's own options are what follows it: the scripts read process.argv as `npm run` gives it.
process.argv.splice(2, 1);

function needDatabase() {
  if (!process.env.DATABASE_URL) {
    console.error(
      `wa-campaigns ${command}: set DATABASE_URL to an admin connection of the database (postgres://user:password@host:5432/db)`,
    );
    process.exit(2);
  }
}

switch (command) {
  case "migrate":
    needDatabase();
    // The package has no schema dump to write: --no-dump.
    process.argv.push("--no-dump");
    await import("../../../scripts/db-migrate.js");
    break;
  case "api-key":
    if (!rest.some((a) => a === "--help" || a === "-h" || a === "help")) needDatabase();
    await import("../../../scripts/api-key.js");
    break;
  case "prune":
    needDatabase();
    await import("../../../scripts/db-prune.js");
    break;
  case "distribute":
    needDatabase();
    await import("../../../scripts/db-distribute.js");
    break;
  case "version": {
    const { releaseVersion } = await import("../../../scripts/lib/paths.js");
    console.log(`@wa-campaigns/backend ${releaseVersion()}`);
    if (process.env.DATABASE_URL) {
      const { withClient } = await import("../../../scripts/lib/db.js");
      const v = await withClient(process.env.DATABASE_URL, async (c) => {
        const { rows } = await c.query<{ ok: boolean }>("select to_regprocedure('internal.version()') is not null as ok");
        if (!rows[0]?.ok) return null;
        return (await c.query<{ v: string | null }>("select internal.version() as v")).rows[0]?.v;
      });
      console.log(`database ${v ?? "(not migrated by a release of this package)"}`);
    }
    break;
  }
  case "export": {
    const { values } = parseArgs({ args: rest, options: { supabase: { type: "string" } } });
    if (!values.supabase) {
      console.error("wa-campaigns export: --supabase <dir> is required (say, supabase/migrations)");
      process.exit(2);
    }
    const { exportSupabase } = await import("../../../scripts/lib/supabase-export.js");
    try {
      console.log(exportSupabase(values.supabase).message);
    } catch (e) {
      console.error((e as Error).message);
      process.exit(1);
    }
    break;
  }
  case undefined:
  case "help":
  case "--help":
  case "-h":
    console.log(usage);
    break;
  default:
    console.error(`wa-campaigns: unknown command ${command}\n\n${usage}`);
    process.exit(2);
}
