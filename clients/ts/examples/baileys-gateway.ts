// A Baileys gateway in ten lines: the README shows this file; npm test type-checks it against the
// real @whiskeysockets/baileys (6.7 and 7) and runs its helpers on a real socket.
import makeWASocket, { useMultiFileAuthState } from "@whiskeysockets/baileys";
import { createGatewayClient, forwardBaileysErrors, syncBaileysGroups } from "@wa-campaigns/client";

const { state } = await useMultiFileAuthState("./auth");
const sock = makeWASocket({ auth: state });
const gateway = createGatewayClient({ url: process.env.BACKEND_URL!, apiKey: process.env.GATEWAY_KEY! });
const sessionId = "wa_x";
sock.ev.on("connection.update", async (u) => {
  if (u.connection === "open") await syncBaileysGroups(sock, gateway, sessionId); // parents are dropped server-side
});
const forwarder = forwardBaileysErrors(sock, gateway, sessionId, { onError: console.error });
process.on("SIGTERM", () => void forwarder.stop()); // flushes what is pending
