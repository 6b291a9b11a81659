// npm run --silent api-key -- create --role gateway --label vps-1   (prints the key alone)
// npm run --silent api-key -- list
// npm run --silent api-key -- revoke <id|label>
import { parseArgs } from "node:util";
import { API_ROLES, createApiKey, listApiKeys, revokeApiKey, type ApiRole } from "./lib/api-keys.js";
import { migrate } from "./lib/migrate.js";
import { devTarget } from "./lib/target.js";

const usage = `usage: npm run --silent api-key -- create --role <${API_ROLES.join("|")}> --label <text>
       npm run --silent api-key -- list
       npm run --silent api-key -- revoke <id|label>`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { role: { type: "string" }, label: { type: "string" } },
});
const [command, arg] = positionals;
if (!command || !["create", "list", "revoke"].includes(command)) {
  console.error(usage);
  process.exit(2);
}
if (command === "create" && (!API_ROLES.includes(values.role as ApiRole) || !values.label)) {
  console.error(`create needs --role ${API_ROLES.join("|")} and --label\n${usage}`);
  process.exit(2);
}
if (command === "revoke" && !arg) {
  console.error(usage);
  process.exit(2);
}

const target = await devTarget();
try {
  await migrate(target.adminUrl, { quiet: true });
  if (command === "create") {
    const { key, id } = await createApiKey(target.adminUrl, values.role as ApiRole, values.label!);
    console.error(`created key ${id} for role ${values.role}; it is shown once, store it now:`);
    console.log(key);
  } else if (command === "list") {
    const rows = await listApiKeys(target.adminUrl);
    console.log("id\tprefix\trole\tlabel\tcreated\trevoked");
    for (const r of rows) {
      console.log([r.id, r.key_prefix + "…", r.role, r.label, r.created_at.toISOString(),
        r.revoked_at?.toISOString() ?? "-"].join("\t"));
    }
  } else {
    const n = await revokeApiKey(target.adminUrl, arg!);
    console.error(`revoked ${n} key(s)`);
    if (n === 0) process.exitCode = 1;
  }
} finally {
  await target.teardown();
}
