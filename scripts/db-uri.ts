// npm run --silent db:uri — the connection string a PostgREST of your own (docs/deployment.md,
// "Running PostgREST") uses to reach the project's own cluster as authenticator: its Unix socket
// (the cluster listens on no TCP port; trust over a private socket, so no password). Prints it
// alone on stdout; starts nothing. With DATABASE_URL the server is yours: there is nothing to print.
import { projectCluster } from "./lib/target.js";

if (process.env.DATABASE_URL) {
  console.error(
    "DATABASE_URL is set: PostgREST connects to that server as authenticator " +
      "(postgres://authenticator:<AUTHENTICATOR_PASSWORD>@<host>:5432/<database>, docs/deployment.md).",
  );
  process.exit(2);
}
console.log(projectCluster().urlAs("authenticator", "app"));
