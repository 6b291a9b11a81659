// The docs, followed word for word by a newcomer: the counts they give are the endpoint catalogue's
// (db/contracts/endpoints.json), every `npm run <script>` they show exists, and every key command
// they show runs as written: `--silent` (npm's banner would otherwise land on stdout before the
// key) and the arguments the CLI's own usage (`api-key --help`) requires and accepts.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadEndpoints } from "../scripts/lib/endpoints.js";
import { repoRoot } from "../scripts/lib/paths.js";

const read = (file: string) => readFileSync(join(repoRoot, file), "utf8");
const docs = execFileSync("git", ["ls-files", "*.md"], { cwd: repoRoot, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.startsWith("bench/") && !f.includes("node_modules")); // bench/: recorded results of past runs
const endpoints = loadEndpoints();
const of = (role: string, kind: "rpc" | "view") =>
  endpoints
    .filter((e) => e.kind === kind && e.roles.includes(role as never))
    .map((e) => e.name)
    .sort();
const NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
const number = (word: string) => (/^\d+$/.test(word) ? Number(word) : NUMBERS.indexOf(word));
const names = (text: string) => [...text.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!).sort();

describe("docs/crm.md", () => {
  const crm = read("docs/crm.md");

  it("counts and names the CRM role's RPCs and views as the catalogue has them", () => {
    const m = /The CRM role can call (\w+) RPCs \(([^)]*)\) and read\s+(\w+) views \(([^)]*)\)/.exec(crm.replace(/\n/g, " "));
    expect(m, "the sentence saying what the CRM role can call").not.toBeNull();
    expect([number(m![1]!), names(m![2]!)]).toEqual([of("crm", "rpc").length, of("crm", "rpc")]);
    expect([number(m![3]!), names(m![4]!)]).toEqual([of("crm", "view").length, of("crm", "view")]);
  });

  it("documents every CRM RPC (its request) and every CRM view", () => {
    for (const rpc of of("crm", "rpc")) expect(crm, rpc).toMatch(new RegExp(`\`POST /rpc/${rpc}\``));
    for (const view of of("crm", "view")) expect(crm, view).toMatch(new RegExp(`\\| \`/${view}\` \\|`));
  });
});

describe("docs/gateway.md", () => {
  const gateway = read("docs/gateway.md");

  it("counts and names the endpoints a gateway key may call, with a section for each RPC of our own", () => {
    const m = /A gateway key may call (\w+) endpoints/.exec(gateway.replace(/\n/g, " "));
    expect(m && number(m[1]!)).toBe(of("gateway", "rpc").length);
    for (const rpc of of("gateway", "rpc")) expect(gateway, rpc).toContain(`/rpc/${rpc}`);
    for (const rpc of of("gateway", "rpc").filter((r) => !r.endsWith("_webhook"))) {
      expect(gateway, rpc).toMatch(new RegExp(`^## \`POST /rpc/${rpc}\``, "m"));
      expect(gateway, `${rpc}: a request example`).toMatch(new RegExp(`curl -s http://127\\.0\\.0\\.1:3000/rpc/${rpc} `));
    }
  });

  it("gives the libsignal override Baileys needs, as the repository's own package.json has it", () => {
    const override = (JSON.parse(read("package.json")) as { overrides: Record<string, string> }).overrides.libsignal;
    expect(override).toBe("npm:libsignal@6.0.0");
    expect(gateway).toContain(`"overrides": {"libsignal": "${override}"}`);
  });
});

describe("files the docs say are generated into .data/", () => {
  it("are written there by the scripts under that name", () => {
    const sources = execFileSync("git", ["ls-files", "scripts/*.ts", "scripts/**/*.ts"], { cwd: repoRoot, encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(read)
      .join("\n");
    const named = new Set(docs.flatMap((doc) => [...read(doc).matchAll(/\.data\/([\w.-]+)/g)].map((m) => m[1]!)));
    expect(named.size).toBeGreaterThan(3);
    const missing = [...named].filter(
      (name) => ![`kept("${name}")`, `dataDir, "${name}")`, `".data", "${name}")`].some((written) => sources.includes(written)),
    );
    expect(missing).toEqual([]);
  });
});

/** `npm run …` commands in a doc's text: inline code or a line of a shell block, up to a comment or a pipe. */
function npmRuns(text: string): string[] {
  return [...text.matchAll(/npm run (?:--silent )?[\w:-]+(?: -- [^`\n]*)?/g)].map((m) =>
    m[0].replace(/\s+(#|\|(?= )|&&|;|\)).*$/, "").trim(),
  );
}

describe("the docs' npm run commands", () => {
  const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);

  it("name scripts that exist", () => {
    const unknown: string[] = [];
    for (const doc of docs) {
      for (const cmd of npmRuns(read(doc))) {
        const script = /^npm run (?:--silent )?([\w:-]+)/.exec(cmd)![1]!;
        if (!scripts.includes(script)) unknown.push(`${doc}: ${cmd}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it("print keys with npm run --silent (else npm's banner is on stdout before the key)", () => {
    const loud = docs.flatMap((doc) => [...read(doc).matchAll(/npm run api-key\b[^\n`]*/g)].map((m) => `${doc}: ${m[0]}`));
    expect(loud).toEqual([]);
  });

  describe("api-key, against the CLI's own usage", () => {
    const usage = execFileSync(join(repoRoot, "node_modules", ".bin", "tsx"), [join(repoRoot, "scripts", "api-key.ts"), "--help"], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: "postgres://nowhere.invalid/x" }, // --help answers before any connection
    });
    const signatures = usage
      .split("\n")
      .map((l) => /npm run --silent api-key -- (.*)$/.exec(l)?.[1])
      .filter((s): s is string => !!s)
      .map(parseSignature);

    it("reads a signature for every command", () => {
      expect(signatures.map((s) => s.command).sort()).toEqual(
        ["create", "list", "revoke", "rotate", "scope", "webhook-key list", "webhook-key remove", "webhook-key set"].sort(),
      );
    });

    it("every api-key command in the docs names a command, its required arguments, and only flags it takes", () => {
      const wrong: string[] = [];
      let checked = 0;
      for (const doc of docs) {
        for (const cmd of npmRuns(read(doc)).filter((c) => /^npm run (--silent )?api-key -- /.test(c))) {
          const problem = check(cmd.replace(/^npm run (--silent )?api-key -- /, ""), signatures);
          checked++;
          if (problem) wrong.push(`${doc}: ${cmd}: ${problem}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(checked).toBeGreaterThan(10);
    });

    it("would catch the CHANGELOG's create without --label, an unknown flag, a missing id", () => {
      expect(check("create --role gateway --sessions wa_x", signatures)).toBe("missing --label");
      expect(check("create --role gateway --label x --session wa_x", signatures)).toBe("unknown flag --session");
      expect(check("revoke", signatures)).toBe("takes 1 positional argument(s), given 0");
      expect(check("scope vps-a", signatures)).toBe("missing --sessions or --all-sessions");
      expect(check("scope vps-a --all-sessions", signatures)).toBeNull();
    });
  });
});

interface Signature {
  command: string;
  /** Alternatives: each a set of required flags and a number of positionals. */
  alternatives: { required: string[]; positionals: number }[];
  optional: string[];
  /** Flags followed by a value. */
  valued: Set<string>;
}

/** `create --role <a|b> --label <text> [--sessions <s1,...>]`, `scope <id|label> --sessions <…> | --all-sessions`. */
function parseSignature(line: string): Signature {
  const words = line.split(" ");
  const command: string[] = [];
  while (words.length && /^[a-z][a-z-]*$/.test(words[0]!)) command.push(words.shift()!);
  let rest = words.join(" ");
  const valued = new Set<string>();
  for (const m of rest.matchAll(/(--[\w-]+) (?:<[^>]*>|[a-z]\w*)/g)) valued.add(m[1]!);
  const optional = [...rest.matchAll(/\[([^\]]*)\]/g)].flatMap((m) => [...m[1]!.matchAll(/--[\w-]+/g)].map((f) => f[0]));
  rest = rest.replace(/\[[^\]]*\]/g, "");
  const positionals = [...rest.matchAll(/(?<!--[\w-]+ )<[^>]*>/g)].length; // before the flags, whichever alternative
  const alternatives = rest.split(" | ").map((alt) => ({ required: [...alt.matchAll(/--[\w-]+/g)].map((f) => f[0]), positionals }));
  return { command: command.join(" "), alternatives, optional, valued };
}

/** What is wrong with a doc's arguments for the CLI (null: nothing). */
function check(args: string, signatures: Signature[]): string | null {
  const tokens = [...args.matchAll(/"[^"]*"|'[^']*'|\S+/g)].map((m) => m[0]);
  const sig = signatures
    .filter((s) => tokens.slice(0, s.command.split(" ").length).join(" ") === s.command)
    .sort((a, b) => b.command.length - a.command.length)[0];
  if (!sig) return `no command ${tokens.slice(0, 2).join(" ")}`;
  const flags: string[] = [];
  let positionals = 0;
  for (let i = sig.command.split(" ").length; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.startsWith("--")) {
      flags.push(t);
      if (sig.valued.has(t)) i++;
    } else positionals++;
  }
  const known = new Set([...sig.optional, ...sig.alternatives.flatMap((a) => a.required), "--help"]);
  const unknown = flags.find((f) => !known.has(f));
  if (unknown) return `unknown flag ${unknown}`;
  const fits = sig.alternatives.filter((a) => a.required.every((f) => flags.includes(f)));
  if (!fits.length) {
    const missing = sig.alternatives.map((a) => a.required.filter((f) => !flags.includes(f)).join(" "));
    return `missing ${missing.join(" or ")}`;
  }
  if (!fits.some((a) => a.positionals === positionals)) return `takes ${fits[0]!.positionals} positional argument(s), given ${positionals}`;
  return null;
}
