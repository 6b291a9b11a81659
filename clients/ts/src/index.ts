export { compactGroup, createGatewayClient, type GatewayClient } from "./gateway.js";
export {
  createCrmClient,
  type CrmClient,
  type CrmConnectionOptions,
  type Campaign,
  type CampaignGroup,
  type SendableGroup,
  type Session,
  type Page,
} from "./crm.js";
export { createOpsClient, type OpsClient, type AckBacklog, type QuarantinedEvent, type ErrorCodeCount } from "./ops.js";
export { BackendError, type ErrorCode } from "./errors.js";
export type { ConnectionOptions } from "./http.js";
export { withRetry, type RetryOptions } from "./retry.js";
export {
  syncBaileysGroups,
  forwardBaileysErrors,
  toMessageErrorEvent,
  toMessageErrorEventFromUpsert,
  BAILEYS_STATUS_ERROR,
  type BaileysSocketLike,
  type BaileysMessageUpdate,
  type BaileysMessage,
  type BaileysMessagesUpsert,
  type BaileysMessageKey,
  type ForwardOptions,
  type ErrorForwarder,
} from "./baileys.js";
export {
  runBaileysGateway,
  BAILEYS_LOGGED_OUT,
  type BaileysGateway,
  type BaileysGatewayOptions,
  type BaileysGatewaySocket,
  type BaileysDispatchOptions,
} from "./baileys-gateway.js";
export { createBatcher, DEFAULT_MAX_PENDING, type Batcher, type BatchOptions, type OverflowPolicy } from "./batcher.js";
export {
  forwardBaileysProgress,
  toMessageStatusEvents,
  type BaileysReceiptUpdate,
  type BaileysProgressSocketLike,
} from "./baileys-progress.js";
export {
  syncWahaGroups,
  fetchWahaGroups,
  wahaGroupsToBaileys,
  toBaileysGroupFromWaha,
  wahaGroupEngine,
  WahaError,
  type WahaEngine,
  type WahaConnection,
  type SyncWahaGroupsOptions,
} from "./waha.js";
export {
  syncEvolutionGroups,
  fetchEvolutionGroups,
  evolutionGroupsToBaileys,
  toBaileysGroupFromEvolution,
  EvolutionError,
  type EvolutionConnection,
  type SyncEvolutionGroupsOptions,
} from "./evolution.js";
export {
  runDispatcher,
  type ClaimedSend,
  type DispatchGateway,
  type DispatchHeld,
  type DispatcherOptions,
  type DispatchSummary,
  type Sender,
  type SendResult,
} from "./dispatcher.js";
export { SendFailure, RESTRICTING_ERROR_CODES, errorCodeOf } from "./send-failure.js";
export { baileysSender, type BaileysSendSocketLike } from "./baileys-sender.js";
export { wahaSender, wahaSentId, wahaKeyId, type WahaSenderOptions } from "./waha-sender.js";
export { evolutionSender, type EvolutionSenderOptions } from "./evolution-sender.js";
export type * from "./contracts.generated.js";
export { LIMITS, PATTERNS } from "./values.generated.js";
export type { Database, Json } from "./database.generated.js";
