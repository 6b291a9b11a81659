// npm run setup — install what the machine lacks for npm start / npm test (PostgreSQL server,
// pgTAP, pg_prove, nginx for the front-door tests, pg_cron for the retention schedule test), the same way npm start and npm test do on their own; CI calls it up front.
// With another apt/dpkg running it waits for the package lock (WA_APT_LOCK_WAIT seconds, 600; it
// says so), and each apt-get run logs to a directory of its own (scripts/lib/postgres.ts aptGet).
import { ensurePrerequisites, ensureTestTools, findServerBinDir } from "./lib/postgres.js";

const binDir = ensurePrerequisites({ needServer: !process.env.DATABASE_URL, needPgtap: true });
const tools = ensureTestTools(binDir ?? findServerBinDir());
console.log(
  `PostgreSQL server binaries: ${binDir ?? "(DATABASE_URL is used)"}; pgTAP and pg_prove: present; nginx: ${tools.nginx}; pg_cron: present`,
);
