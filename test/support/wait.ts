// Waiting for something another process does (a log line, a forwarded event): check until it
// holds, however long that takes on a busy machine. No deadline of its own: vitest's hang guard
// (scripts/lib/hang-guard.ts) ends a wait that never ends. Never a fixed sleep before an assertion.
export async function until<T>(check: () => Promise<T | undefined | false>, pauseMs = 20): Promise<T> {
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
