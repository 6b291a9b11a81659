// Baseline: the original edge-function flow for one error ACK, as it would run with a Supabase
// client against the tables: look the row up by message id, update it, select all of the
// campaign's rows to recount, update the campaign. Four round trips through PostgREST.
import { PostgrestClient } from "@supabase/postgrest-js";

export type TableClient = PostgrestClient<any, any, "wa_data">;

export function tableClient(url: string, jwt: string): TableClient {
  return new PostgrestClient<any, any, "wa_data">(url, { headers: { authorization: `Bearer ${jwt}` }, schema: "wa_data" });
}

export async function originalRecordMessageError(
  client: TableClient,
  ack: { messageId: string; errorCode: number; errorMessage: string },
): Promise<"applied" | "duplicate" | "not_found"> {
  const found = await client
    .from("notification_campaign_groups")
    .select("id, campaign_id, status")
    .eq("message_id", ack.messageId)
    .limit(1);
  if (found.error) throw new Error(found.error.message);
  const row = found.data?.[0] as { id: number; campaign_id: number; status: string } | undefined;
  if (!row) return "not_found";
  if (row.status === "failed") return "duplicate";

  const upd = await client
    .from("notification_campaign_groups")
    .update({
      status: "failed",
      error_code: ack.errorCode,
      error_message: ack.errorMessage,
      failed_at: new Date().toISOString(),
    })
    .eq("id", row.id);
  if (upd.error) throw new Error(upd.error.message);

  const all = await client.from("notification_campaign_groups").select("status").eq("campaign_id", row.campaign_id);
  if (all.error) throw new Error(all.error.message);
  const rows = all.data as { status: string }[];
  const pending = rows.filter((r) => r.status === "pending").length;
  const sent = rows.filter((r) => r.status === "sent").length;
  const failed = rows.filter((r) => r.status === "failed").length;
  const status = pending > 0 ? "sending" : failed === 0 ? "completed" : sent === 0 ? "failed" : "partial_failure";

  const camp = await client
    .from("notification_campaigns")
    .update({
      total_groups: rows.length,
      pending_count: pending,
      sent_count: sent,
      failed_count: failed,
      status,
    })
    .eq("id", row.campaign_id);
  if (camp.error) throw new Error(camp.error.message);
  return "applied";
}
