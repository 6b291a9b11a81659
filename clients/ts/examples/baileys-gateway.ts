// A Baileys gateway that runs for weeks: the README shows this file; npm test type-checks it
// against the real @whiskeysockets/baileys (6.7 and 7) and runs runBaileysGateway on real sockets
// with the backend stopped and restarted (clients/ts/test/baileys-gateway-outage.test.ts).
import makeWASocket, { useMultiFileAuthState } from "@whiskeysockets/baileys";
import { createGatewayClient, runBaileysGateway } from "@wa-campaigns/client";

const { state, saveCreds } = await useMultiFileAuthState("./auth");
const gateway = createGatewayClient({ url: process.env.BACKEND_URL!, apiKey: process.env.GATEWAY_KEY! });
const running = await runBaileysGateway({
  gateway,
  sessionId: "wa_x",
  connect: () => {
    // called again to reconnect after a close
    const sock = makeWASocket({ auth: state });
    sock.ev.on("creds.update", saveCreds); // credentials survive restarts
    return sock;
  },
  maxPending: 50_000,
  overflow: "drop-oldest", // the buffer's bound while the backend is away
  onError: (e) => console.error("gateway:", e), // nothing is ever thrown into Baileys
  onLoggedOut: () => {
    console.error("logged out: scan a new QR");
    void shutdown();
  },
});

async function shutdown() {
  const left = await running.stop({ timeoutMs: 10_000 }); // flushes what it holds
  if (left > 0) console.error(`${left} events could not be posted`);
  process.exit(left > 0 ? 1 : 0);
}
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
