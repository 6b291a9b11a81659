// npm run new:rpc -- <name> --role <gateway|crm|ops> [--like <existing rpc>] [--no-regen]
// Scaffolds what a new RPC needs, each place a person must write marked TODO(new:rpc)
// (test/todo-markers.test.ts fails while one remains):
//   db/functions/api.<name>.sql            the function (granted to the role), from scripts/templates/new-rpc
//   db/contracts/<name>.{request,response}.schema.json   the contract pair (--like: a copy of that RPC's)
//   db/contracts/endpoints.json            its catalogue entry
//   db/tests/NN_<role>_<name>.sql          a pgTAP skeleton, numbered after the role's files
//   docs/errors.md                         its section (--like: its name joins that RPC's section)
//   clients/ts/src/<role client>.ts        its method (--like: shaped as that RPC's, when one line)
// then runs npm run regen (types, OpenAPI document, schema dump, README counts). The rest follows
// from the catalogue: grants test, auth matrix, fuzzing, OpenAPI tags, the front door's limit.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CLIENT_FILES, clientMethod, type ApiRole } from "./lib/endpoints.js";
import { repoRoot } from "./lib/paths.js";
import { run } from "./lib/run.js";

const ROLES: ApiRole[] = ["gateway", "crm", "ops"];
const templates = join(repoRoot, "scripts", "templates", "new-rpc");
const pascal = (snake: string) => snake.replace(/(^|_)([a-z])/g, (_, _u, ch: string) => ch.toUpperCase());
const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
const fail = (message: string): never => {
  console.error(`new:rpc: ${message}`);
  process.exit(2);
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { role: { type: "string" }, like: { type: "string" }, "no-regen": { type: "boolean" } },
});
const name = positionals[0] ?? fail("usage: npm run new:rpc -- <name> --role <gateway|crm|ops> [--like <existing rpc>]");
const role = (values.role ?? fail("--role gateway|crm|ops is required")) as ApiRole;
const like = values.like;
if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(name)) fail(`${name}: an RPC is named <verb>_<noun> in snake_case`);
if (!ROLES.includes(role)) fail(`--role ${role}: one of ${ROLES.join(", ")}`);

const path = (...p: string[]) => join(repoRoot, ...p);
const read = (...p: string[]) => readFileSync(path(...p), "utf8");
const catalogue = JSON.parse(read("db", "contracts", "endpoints.json")) as { rpcs: Record<string, { roles: ApiRole[] }> };
if (catalogue.rpcs[name] || existsSync(path("db", "functions", `api.${name}.sql`))) fail(`${name} exists already`);
if (like && !catalogue.rpcs[like]) fail(`--like ${like}: not an RPC of db/contracts/endpoints.json`);

const vars: Record<string, string> = {
  name,
  role,
  Role: role === "crm" ? "CRM" : role[0]!.toUpperCase() + role.slice(1),
  ROLE: role.toUpperCase(),
  Pascal: pascal(name),
  like_hint: like ? `; api.${like}.sql is the model` : "",
};
const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? fail(`template variable ${k}`));
const written: string[] = [];
const write = (file: string, text: string) => {
  writeFileSync(path(file), text);
  written.push(file);
};

// The function.
write(`db/functions/api.${name}.sql`, fill(readFileSync(join(templates, "function.sql"), "utf8")));

// The contract pair: the model's (its payload shape), or the templates.
for (const side of ["request", "response"] as const) {
  const file = `db/contracts/${name}.${side}.schema.json`;
  if (like) {
    const schema = JSON.parse(read("db", "contracts", `${like}.${side}.schema.json`)) as Record<string, unknown>;
    schema.title = `${pascal(name)}${pascal(side)}`;
    schema.description =
      side === "request"
        ? `POST /rpc/${name} (${role}): TODO(new:rpc) what it does, for the caller.`
        : "TODO(new:rpc) what the caller gets.";
    write(file, JSON.stringify(schema, null, 2) + "\n");
  } else {
    write(file, fill(readFileSync(join(templates, `${side}.schema.json`), "utf8")));
  }
}

// The catalogue entry: after the model, or after the role's last RPC.
const entries = Object.entries(catalogue.rpcs);
const after = like ?? [...entries].reverse().find(([, e]) => e.roles.includes(role))?.[0] ?? entries[entries.length - 1]![0];
const text = read("db", "contracts", "endpoints.json");
const at = new RegExp(`\\n(\\s*)"${after}": \\{[^\\n]*`).exec(text) ?? fail(`endpoints.json: ${after} is not on one line`);
// (a multi-line entry ends at its closing brace and comma)
let end = at.index + at[0].length;
if (!/\},?$/.test(at[0])) end = text.indexOf("\n    }", end) + "\n    }".length + 1;
const comma = text[end - 1] === "," ? "" : ",";
write(
  "db/contracts/endpoints.json",
  text.slice(0, end) + `${comma}\n${at[1]}"${name}": { "roles": ["${role}"] }${comma ? "" : ","}` + text.slice(end),
);

// The pgTAP skeleton: the number after the role's last file, or the next free one.
const tests = readdirSync(path("db", "tests")).filter((f) => /^\d+_.*\.sql$/.test(f));
const taken = new Set(tests.map((f) => Number(f.split("_")[0])));
let n = Math.max(0, ...tests.filter((f) => f.includes(`_${role}_`)).map((f) => Number(f.split("_")[0]))) + 1;
while (taken.has(n)) n++;
write(`db/tests/${String(n).padStart(2, "0")}_${role}_${name}.sql`, fill(readFileSync(join(templates, "test.sql"), "utf8")));

// docs/errors.md: the model's section names it too, or a section of its own.
let errors = read("docs", "errors.md");
const heading = like ? errors.split("\n").find((l) => l.startsWith("## ") && new RegExp(`/rpc/${like}\\b`).test(l)) : undefined;
if (heading) {
  errors = errors.replace(heading, heading.replace(new RegExp(`(/rpc/${like}\`)`), `$1, \`/rpc/${name}\``));
} else {
  errors = errors.trimEnd() + "\n" + fill(readFileSync(join(templates, "errors.md"), "utf8"));
}
write("docs/errors.md", errors);

// The client method, in the role's client: shaped as the model's when that is one line, else the
// payload as the body.
const client = CLIENT_FILES[role];
let src = read(client.file);
const method = clientMethod({ kind: "rpc", name });
const types = new Set([`${pascal(name)}Response`]);
let signature = `  ${method}(payload: ${pascal(name)}Request): Promise<${pascal(name)}Response>;`;
let body = `    ${method}: (payload) => callRpc(client, "${name}", payload),`;
if (like) {
  const likeMethod = clientMethod({ kind: "rpc", name: like });
  const rename = (s: string) =>
    s.replaceAll(pascal(like), pascal(name)).replaceAll(likeMethod, method).replaceAll(`"${like}"`, `"${name}"`);
  const sig = new RegExp(`\\n(  ${likeMethod}\\(.*;)\\n`).exec(src)?.[1];
  const impl = new RegExp(`\\n(    ${likeMethod}: .*\\),)\\n`).exec(src)?.[1];
  if (sig && impl) [signature, body] = [rename(sig), rename(impl)];
}
if (signature.includes(`${pascal(name)}Request`)) types.add(`${pascal(name)}Request`);
const ifaceEnd = src.indexOf("\n}", src.indexOf(`export interface ${client.iface} {`));
src =
  src.slice(0, ifaceEnd) +
  `\n  /** POST /rpc/${name}: what it does is in db/contracts/${name}.request.schema.json. */\n${signature}` +
  src.slice(ifaceEnd);
const implEnd = src.lastIndexOf("\n  };\n}");
src = src.slice(0, implEnd) + `\n${body}` + src.slice(implEnd);
src = src.replace(/import type \{([^}]*)\} from "\.\/contracts\.generated\.js";/, (_, names: string) => {
  const list = names.split(",").map((s) => s.trim());
  return `import type { ${[...list.filter(Boolean), ...types].join(", ")} } from "./contracts.generated.js";`;
});
write(client.file, src);

run("npx", ["biome", "format", "--write", ...written.filter((f) => /\.(ts|json)$/.test(f))], { cwd: repoRoot });
console.log(`wrote ${written.join(", ")}`);
if (!values["no-regen"]) console.log(run("npm", ["run", "--silent", "regen"], { cwd: repoRoot }).trim());
console.log(
  "next: write each TODO(new:rpc) (npm test -- test/todo-markers.test.ts lists them), add the client method's doc to docs/crm.md or docs/gateway.md, " +
    "then npm run regen, npm run format, and npm test -- --pgtap <its pgTAP file> plus test/endpoints.test.ts test/client-methods.test.ts test/http/contracts.test.ts test/http/auth-matrix.test.ts.",
);
