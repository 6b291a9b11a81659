// npm run --silent api-key -- <command> (or npx wa-campaigns api-key <command>): manage machine API keys (see usage below).
import { parseArgs } from "node:util";
import { API_ROLES, KeyError, createApiKey, listApiKeys, revokeApiKey, rotateApiKey, scopeApiKey, type ApiRole } from "./lib/api-keys.js";
import {
  WEBHOOK_GATEWAYS,
  listWebhookKeys,
  removeWebhookKey,
  setWebhookKey,
  shortKeyWarning,
  type WebhookGateway,
} from "./lib/webhook-keys.js";
import { devTarget } from "./lib/target.js";
import { invokedAs } from "./lib/paths.js";

const me = invokedAs("npm run --silent api-key --", "api-key");

const usage = `Manage API keys (the local cluster, or DATABASE_URL's database).

usage: ${me} create --role <${API_ROLES.join("|")}> --label <text> [--sessions <s1,s2,...>]
         print a new key (alone on stdout; shown once). A label names one active key. --sessions
         (gateway keys): the key acts on those WhatsApp sessions only; without it, on every session
       ${me} scope <id|label> --sessions <s1,s2,...> | --all-sessions
         change the sessions a gateway key acts on, keeping the key
       ${me} rotate <id|label> [--grace <seconds>]
         print a new key with the same role and label; the old one stops after --grace (default 0)
       ${me} revoke <id|label>
         the key stops working at once
       ${me} list
         every key: id, label, role, sessions, prefix, state (active | retiring | revoked), created, revoked
       printf %s "$WAHA_HMAC_KEY" | ${me} webhook-key set --session <name|*> [--gateway waha]
         the gateway's webhook signing key (WAHA's hmac.key), read from stdin, for one session or every one (*);
         any non-empty key (as WAHA), a warning below 16 characters
       ${me} webhook-key remove --session <name|*> [--gateway waha]
       ${me} webhook-key list
         gateway, session, length, set at (never the key)`;

const options = {
  allowPositionals: true,
  options: {
    role: { type: "string" },
    label: { type: "string" },
    grace: { type: "string" },
    sessions: { type: "string" },
    "all-sessions": { type: "boolean" },
    help: { type: "boolean", short: "h" },
    session: { type: "string" },
    gateway: { type: "string", default: "waha" },
  },
} as const;
function parse() {
  try {
    return parseArgs(options);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}
const parsed = parse();
const { positionals, values } = parsed;
const [command, arg] = positionals;
if (values.help || command === "help") {
  console.log(usage);
  process.exit(0);
}
const refuse = (why: string) => {
  console.error(`${why}\n\n${usage}`);
  process.exit(2);
};
if (!command || !["create", "list", "revoke", "rotate", "scope", "webhook-key"].includes(command))
  refuse(command ? `unknown command: ${command}` : "no command");
if (command === "webhook-key") {
  if (!arg || !["set", "remove", "list"].includes(arg)) refuse("webhook-key needs set, remove or list");
  if (!WEBHOOK_GATEWAYS.includes(values.gateway as WebhookGateway)) refuse(`--gateway is one of ${WEBHOOK_GATEWAYS.join(", ")}`);
  if (arg !== "list" && !values.session?.trim()) refuse(`webhook-key ${arg} needs --session <name|*>`);
}
if (command === "create" && (!API_ROLES.includes(values.role as ApiRole) || !values.label?.trim())) {
  refuse(`create needs --role ${API_ROLES.join("|")} and --label`);
}
if ((command === "revoke" || command === "rotate" || command === "scope") && !arg) refuse(`${command} needs the key's id or label`);
if (command === "scope" && (values.sessions === undefined) === !values["all-sessions"]) refuse("scope needs --sessions or --all-sessions");
const sessions = values.sessions === undefined ? null : [...new Set(values.sessions.split(",").map((s) => s.trim()))];
const grace = values.grace === undefined ? 0 : Number(values.grace);
if (!Number.isInteger(grace) || grace < 0) refuse("--grace is a whole number of seconds");

/** The key on stdin (so it is never in a shell history or a process list), without its final newline. */
async function keyFromStdin(): Promise<string> {
  if (process.stdin.isTTY) refuse(`webhook-key set reads the key from stdin: printf %s "$KEY" | ${me} webhook-key set ...`);
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, "");
}
const webhookKey = command === "webhook-key" && arg === "set" ? await keyFromStdin() : "";
if (command === "webhook-key" && arg === "set" && webhookKey === "")
  refuse("the key is empty (with an empty hmac.key WAHA signs nothing: remove the key instead)");

// Never migrates (only npm run db:migrate and npm start do): a database without our schema, or
// too old for this checkout, is one line.
const NOT_MIGRATED = new Set(["3D000", "3F000", "42P01", "42883"]);
const target = await devTarget();
try {
  if (command === "create") {
    const { key, id } = await createApiKey(target.adminUrl, values.role as ApiRole, values.label!.trim(), sessions);
    console.error(
      `created key ${id} (${values.role}, "${values.label!.trim()}", ${sessions ? `sessions ${sessions.join(", ")}` : "every session"}); ` +
        "it is shown once, store it now:",
    );
    console.log(key);
  } else if (command === "rotate") {
    const r = await rotateApiKey(target.adminUrl, arg!, grace);
    console.error(
      `created key ${r.id} (${r.role}, "${r.label}"); key ${r.replacedId} works until ${r.oldKeyWorksUntil.toISOString()}. Store the new key now:`,
    );
    console.log(r.key);
  } else if (command === "scope") {
    const r = await scopeApiKey(target.adminUrl, arg!, sessions);
    console.error(`key ${r.id} ("${r.label}") now acts on ${r.sessions ? `sessions ${r.sessions.join(", ")}` : "every session"}`);
  } else if (command === "list") {
    const rows = await listApiKeys(target.adminUrl);
    console.log(["id", "label", "role", "sessions", "prefix", "state", "created", "revoked"].join("\t"));
    for (const r of rows) {
      // A gateway key without sessions acts on every session: said so, so that it is noticed.
      const scope = r.sessions ? r.sessions.join(",") : r.role === "gateway" ? "* (unscoped)" : "-";
      console.log(
        [r.id, r.label, r.role, scope, r.key_prefix + "…", r.state, r.created_at.toISOString(), r.revoked_at?.toISOString() ?? "-"].join(
          "\t",
        ),
      );
    }
  } else if (command === "webhook-key") {
    const gateway = values.gateway as WebhookGateway,
      session = values.session?.trim() ?? "";
    if (arg === "set") {
      const warning = shortKeyWarning(webhookKey);
      if (warning) console.error(warning);
      await setWebhookKey(target.adminUrl, gateway, session, webhookKey);
      console.error(`set the ${gateway} webhook key of ${session === "*" ? "every session without its own" : `session ${session}`}`);
    } else if (arg === "remove") {
      if (!(await removeWebhookKey(target.adminUrl, gateway, session)))
        throw new KeyError(`no ${gateway} webhook key for session ${session}`);
      console.error(`removed the ${gateway} webhook key of session ${session}: its bodies are no longer checked`);
    } else {
      console.log(["gateway", "session", "length", "set"].join("\t"));
      for (const r of await listWebhookKeys(target.adminUrl))
        console.log([r.gateway, r.session_id, r.length, r.created_at.toISOString()].join("\t"));
    }
  } else {
    const r = await revokeApiKey(target.adminUrl, arg!);
    console.error(`revoked key ${r.id} ("${r.label}")`);
  }
} catch (e) {
  const code = (e as { code?: string }).code ?? "";
  if (NOT_MIGRATED.has(code)) {
    console.error(
      `The database is not migrated for this version (${(e as Error).message}): run ${invokedAs("npm run db:migrate", "migrate")} first.`,
    );
  } else if (e instanceof KeyError) {
    console.error(e.message);
  } else {
    throw e;
  }
  process.exitCode = 1;
} finally {
  await target.teardown();
}
