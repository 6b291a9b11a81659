// npm run --silent api-key -- <command>: manage machine API keys (see usage below).
import { parseArgs } from "node:util";
import {
  API_ROLES, KeyError, createApiKey, listApiKeys, revokeApiKey, rotateApiKey, type ApiRole,
} from "./lib/api-keys.js";
import { devTarget } from "./lib/target.js";

const usage = `Manage API keys (the local cluster, or DATABASE_URL's database).

usage: npm run --silent api-key -- create --role <${API_ROLES.join("|")}> --label <text>
         print a new key (alone on stdout; shown once). A label names one active key.
       npm run --silent api-key -- rotate <id|label> [--grace <seconds>]
         print a new key with the same role and label; the old one stops after --grace (default 0)
       npm run --silent api-key -- revoke <id|label>
         the key stops working at once
       npm run --silent api-key -- list
         every key: id, label, role, prefix, state (active | retiring | revoked), created, revoked`;

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { role: { type: "string" }, label: { type: "string" }, grace: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
} catch (e) {
  console.error(`${(e as Error).message}\n\n${usage}`);
  process.exit(2);
}
const { positionals, values } = parsed;
const [command, arg] = positionals;
if (values.help || command === "help") {
  console.log(usage);
  process.exit(0);
}
const refuse = (why: string) => { console.error(`${why}\n\n${usage}`); process.exit(2); };
if (!command || !["create", "list", "revoke", "rotate"].includes(command)) refuse(command ? `unknown command: ${command}` : "no command");
if (command === "create" && (!API_ROLES.includes(values.role as ApiRole) || !values.label?.trim())) {
  refuse(`create needs --role ${API_ROLES.join("|")} and --label`);
}
if ((command === "revoke" || command === "rotate") && !arg) refuse(`${command} needs the key's id or label`);
const grace = values.grace === undefined ? 0 : Number(values.grace);
if (!Number.isInteger(grace) || grace < 0) refuse("--grace is a whole number of seconds");

// Never migrates (only npm run db:migrate and npm start do): a database without our schema, or
// too old for this checkout, is one line.
const NOT_MIGRATED = new Set(["3D000", "3F000", "42P01", "42883"]);
const target = await devTarget();
try {
  if (command === "create") {
    const { key, id } = await createApiKey(target.adminUrl, values.role as ApiRole, values.label!.trim());
    console.error(`created key ${id} (${values.role}, "${values.label!.trim()}"); it is shown once, store it now:`);
    console.log(key);
  } else if (command === "rotate") {
    const r = await rotateApiKey(target.adminUrl, arg!, grace);
    console.error(`created key ${r.id} (${r.role}, "${r.label}"); key ${r.replacedId} works until ${r.oldKeyWorksUntil.toISOString()}. Store the new key now:`);
    console.log(r.key);
  } else if (command === "list") {
    const rows = await listApiKeys(target.adminUrl);
    console.log(["id", "label", "role", "prefix", "state", "created", "revoked"].join("\t"));
    for (const r of rows) {
      console.log([r.id, r.label, r.role, r.key_prefix + "…", r.state, r.created_at.toISOString(),
        r.revoked_at?.toISOString() ?? "-"].join("\t"));
    }
  } else {
    const r = await revokeApiKey(target.adminUrl, arg!);
    console.error(`revoked key ${r.id} ("${r.label}")`);
  }
} catch (e) {
  const code = (e as { code?: string }).code ?? "";
  if (NOT_MIGRATED.has(code)) {
    console.error(`The database is not migrated for this version (${(e as Error).message}): run npm run db:migrate first.`);
  } else if (e instanceof KeyError) {
    console.error(e.message);
  } else {
    throw e;
  }
  process.exitCode = 1;
} finally {
  await target.teardown();
}
