// One admin connection for the length of a callback: the connect/try/finally every script needs.
import pg from "pg";

/**
 * The search_path of admin sessions that read our tables unqualified (tests, benchmarks, the DBA):
 * set per session, because a host may set search_path on the role (Supabase does, on postgres),
 * which beats a database default.
 */
export const DATA_SEARCH_PATH = "wa_data, public";
export const withSearchPath = (searchPath = DATA_SEARCH_PATH) => ({ options: `-c search_path=${searchPath.replace(/\s/g, "")}` });

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Runs fn inside one transaction: committed when it returns, rolled back when it throws. */
export function inTransaction<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return withClient(url, async (c) => {
    await c.query("begin");
    try {
      const out = await fn(c);
      await c.query("commit");
      return out;
    } catch (e) {
      await c.query("rollback").catch(() => {});
      throw e;
    }
  });
}
