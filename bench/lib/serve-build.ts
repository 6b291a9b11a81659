// Serves one build for the A/B bench, with that build's own code: its migrations (scripts/lib/migrate),
// its API keys (scripts/lib/api-keys) and its PostgREST as it starts it (scripts/lib/postgrest: its
// binary, its settings). Run with the build's own tsx, from its directory:
//   <build>/node_modules/.bin/tsx bench/lib/serve-build.ts <build dir> <admin URL> <PostgREST URI> <JWT secret> <port>
// Prints one JSON line when ready ({url, gatewayKey, crmKey}) and stops its PostgREST when stdin closes.
// Imports nothing of the repository it sits in: every module comes from <build dir>.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, adminUrl, dbUri, jwtSecret, port] = process.argv.slice(2);
if (!dir || !adminUrl || !dbUri || !jwtSecret || !port) {
  console.error("usage: serve-build.ts <build dir> <admin URL> <PostgREST URI> <JWT secret> <port>");
  process.exit(2);
}
const load = (path: string) => import(pathToFileURL(join(dir, "scripts", "lib", path)).href);
const { migrate } = await load("migrate.ts");
const { createApiKey } = await load("api-keys.ts");
const { startPostgrest } = await load("postgrest.ts");

await migrate(adminUrl, { quiet: true });
const gatewayKey = (await createApiKey(adminUrl, "gateway", "ab-gateway")).key as string;
const crmKey = (await createApiKey(adminUrl, "crm", "ab-crm")).key as string;
const api = await startPostgrest({ dbUri, jwtSecret, port: Number(port), poolSize: 20 });
const stop = async () => {
  await api.stop();
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.on("SIGTERM", stop);
process.stdin.resume();
process.stdout.write(JSON.stringify({ url: api.url, gatewayKey, crmKey }) + "\n");
