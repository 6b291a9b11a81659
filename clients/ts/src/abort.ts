// A signal that aborts when the caller's does or after `ms`, on every Node the package supports
// (AbortSignal.any arrived in Node 20.3; the package says Node >= 20).
export function abortAfter(signal: AbortSignal, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  if (typeof AbortSignal.any === "function") return AbortSignal.any([signal, timeout]);
  const both = new AbortController();
  const abort = (s: AbortSignal) => () => both.abort(s.reason);
  if (signal.aborted) both.abort(signal.reason);
  signal.addEventListener("abort", abort(signal), { once: true });
  timeout.addEventListener("abort", abort(timeout), { once: true });
  return both.signal;
}
