// npm run backup -- <command>: backups and point-in-time recovery of the project's own cluster
// (.data/pg) with Debian's pgBackRest. docs/operations.md, "Backups", gives the schedule, the
// retention and the restore procedure; `npm run test:restore` drills that procedure.
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { dataDir } from "./lib/paths.js";
import { STANZA, configureArchiving, openRepo, pgbackrest, restoreToTime, takeBackup } from "./lib/pgbackrest.js";
import { ensurePrerequisites, localCluster } from "./lib/postgres.js";
import { freePort, isRoot } from "./lib/run.js";
import { devTarget } from "./lib/target.js";

const usage = `Backups of the project's cluster (.data/pg) with pgBackRest, into BACKUP_REPO (default
.data/backup: on the same disk it guards against mistakes, not against losing the disk).

usage: npm run backup -- setup
         turn WAL archiving on (restarts the cluster once), create the stanza, take a full backup
       npm run backup -- full | diff | incr
         take a backup (schedule: full weekly, diff daily); older ones expire per the retention
       npm run backup -- info
         the backups and the WAL archive, as pgBackRest sees them
       npm run backup -- restore --time "YYYY-MM-DD HH:MM:SS+00" | latest --to <new data directory>
         restore to that moment (or to the last WAL archived) into a new directory (never over the
         running cluster) and start it there as a separate server on a free port`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { time: { type: "string" }, to: { type: "string" }, help: { type: "boolean", short: "h" } },
});
const [command] = positionals;
const commands = ["setup", "full", "diff", "incr", "info", "restore"] as const;
if (values.help || !commands.includes(command as never)) {
  console[values.help ? "log" : "error"](usage);
  process.exit(values.help ? 0 : 2);
}
if (process.env.DATABASE_URL) {
  console.error(
    "npm run backup works on the project's own cluster; for a server of your own, configure pgBackRest " +
      'as docs/operations.md ("Backups") shows.',
  );
  process.exit(2);
}
if (command === "restore" && (!values.time || !values.to)) {
  console.error(`restore needs --time and --to\n\n${usage}`);
  process.exit(2);
}
const repoDir = resolve(process.env.BACKUP_REPO ?? join(dataDir, "backup"));

try {
  if (command === "info") {
    process.stdout.write(pgbackrest(openRepo(repoDir), "info"));
  } else if (command === "restore") {
    const binDir = ensurePrerequisites({ needServer: true, needPgtap: false })!;
    const dir = resolve(values.to!);
    const into = localCluster(dir, `${dir}.run`, await freePort());
    await restoreToTime(binDir, openRepo(repoDir), into, values.time!);
    console.log(
      `restored stanza ${STANZA} to ${values.time} into ${dir}, running as a separate server:\n` +
        `  psql '${into.url("app")}'\n  stop it: ${isRoot ? "runuser -u postgres -- " : ""}${binDir}/pg_ctl -D ${dir} stop`,
    );
  } else {
    const target = await devTarget();
    try {
      const repo = command === "setup" ? await configureArchiving(target.binDir!, target.cluster!, repoDir) : openRepo(repoDir);
      const r = takeBackup(repo, command === "setup" ? "full" : (command as "full" | "diff" | "incr"));
      console.log(
        `${r.type} backup ${r.label}: ${(r.databaseBytes / 2 ** 20).toFixed(1)} MiB of database, ` +
          `${(r.repoBytes / 2 ** 20).toFixed(1)} MiB added to ${repoDir}, in ${r.seconds.toFixed(1)} s`,
      );
    } finally {
      await target.teardown();
    }
  }
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
}
