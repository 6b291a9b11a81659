// npm run setup — install what the machine lacks for npm start / npm test (PostgreSQL server,
// pgTAP, pg_prove, nginx for the front-door tests, pg_cron for the retention schedule test), the same way npm start and npm test do on their own; CI calls it up front.
import { ensurePrerequisites, ensureTestTools, findServerBinDir } from "./lib/postgres.js";

const binDir = ensurePrerequisites({ needServer: !process.env.DATABASE_URL, needPgtap: true });
const tools = ensureTestTools(binDir ?? findServerBinDir());
console.log(
  `PostgreSQL server binaries: ${binDir ?? "(DATABASE_URL is used)"}; pgTAP and pg_prove: present; nginx: ${tools.nginx}; pg_cron: present`,
);
