// Type test (npm test runs tsc over it): real Baileys sockets and GroupMetadata fit the helpers
// and the gateway client without casts, on Baileys 6.7 (@whiskeysockets/baileys) and 7 (baileys-7).
import type { GroupMetadata as GroupMetadata6, WASocket as WASocket6 } from "@whiskeysockets/baileys";
import type { GroupMetadata as GroupMetadata7, WASocket as WASocket7 } from "baileys-7";
import makeWASocket6 from "@whiskeysockets/baileys";
import makeWASocket7 from "baileys-7";
import {
  baileysSender,
  forwardBaileysErrors,
  forwardBaileysProgress,
  runBaileysGateway,
  syncBaileysGroups,
  type GatewayClient,
} from "@wa-campaigns/client";

export async function onBaileys6(sock: WASocket6, gateway: GatewayClient, groups: GroupMetadata6[]) {
  await syncBaileysGroups(sock, gateway, "wa_x");
  await gateway.syncGroups({ sessionId: "wa_x", groups });
  await gateway.syncGroups({ sessionId: "wa_x", groups: Object.values(await sock.groupFetchAllParticipating()) });
  return forwardBaileysErrors(sock, gateway, "wa_x");
}

export async function onBaileys7(sock: WASocket7, gateway: GatewayClient, groups: GroupMetadata7[]) {
  await syncBaileysGroups(sock, gateway, "wa_x");
  await gateway.syncGroups({ sessionId: "wa_x", groups });
  return forwardBaileysErrors(sock, gateway, "wa_x");
}

// The long-running gateway takes either version's socket as its connect() result.
export async function gateways(
  gateway: GatewayClient,
  state6: Parameters<typeof makeWASocket6>[0]["auth"],
  state7: Parameters<typeof makeWASocket7>[0]["auth"],
) {
  const g6 = await runBaileysGateway({ gateway, sessionId: "wa_x", connect: () => makeWASocket6({ auth: state6 }) });
  const g7 = await runBaileysGateway({ gateway, sessionId: "wa_y", connect: () => makeWASocket7({ auth: state7 }) });
  const p7 = forwardBaileysProgress(g7.socket, gateway, "wa_y");
  p7.attach(makeWASocket7({ auth: state7 }));
  return [await g6.stop(), await g7.stop(), await p7.stop({ timeoutMs: 1 })];
}

// The sender takes either version's real socket (sendMessage(jid, {text}, {messageId})), and the
// gateway sends with dispatch on.
export async function senders(
  sock6: WASocket6,
  sock7: WASocket7,
  gateway: GatewayClient,
  state6: Parameters<typeof makeWASocket6>[0]["auth"],
) {
  const s6 = baileysSender(() => sock6);
  const s7 = baileysSender(() => sock7);
  const g = await runBaileysGateway({ gateway, sessionId: "wa_x", connect: () => makeWASocket6({ auth: state6 }), dispatch: { max: 20 } });
  return [s6, s7, await g.stop(), g.dispatched.sent];
}
