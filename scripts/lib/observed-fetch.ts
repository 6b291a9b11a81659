// A fetch that remembers every HTTP answer the project's client got (npm run test:failover,
// npm run test:citus): when the request started and ended, its status, and for a failure the
// body's code. PostgREST 12.0.2 answers 400 {"code": ""} when its database connection breaks in
// the middle of a request: that is counted as no answer (status 0, code connection_lost), as the
// client's own BackendError names it.

/** One HTTP answer: when the request started and ended, its status (0: no answer or connection lost). */
export interface Answer {
  started: number;
  t: number;
  status: number;
  /** A POST (every RPC), not a read. */
  write: boolean;
  /** The body's `code` when the status is not 2xx (network_error / connection_lost when there was none). */
  code?: string;
}

export const failed = (a: Answer) => a.status === 0 || a.status >= 500;

export function observingFetch(answers: Answer[]): typeof fetch {
  return async (input, init) => {
    const write = (init?.method ?? "GET") === "POST";
    const started = Date.now();
    try {
      const res = await fetch(input, init);
      let status = res.status;
      let code: string | undefined;
      if (status >= 300) {
        const text = await res.clone().text();
        let body: { code?: unknown } = {};
        try {
          body = JSON.parse(text) as { code?: unknown };
        } catch {}
        code = body?.code === undefined || body?.code === null ? "" : String(body.code);
        if (status === 400 && body?.code === "") [status, code] = [0, "connection_lost"];
      }
      answers.push({ started, t: Date.now(), status, write, ...(code !== undefined ? { code } : {}) });
      return res;
    } catch (e) {
      answers.push({ started, t: Date.now(), status: 0, write, code: "network_error" });
      throw e;
    }
  };
}

/** The answers that were not 2xx, counted by "status code". */
export function notOkByCode(answers: Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    if (a.status >= 200 && a.status < 300) continue;
    const k = `${a.status} ${a.code ?? ""}`.trim();
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
