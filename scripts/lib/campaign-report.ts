// A campaign's progress over time and its failures by error code, as one SVG a person would
// rather look at than read (Vega-Lite, rendered server-side by Vega). Used by npm run ops:report.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { withClient } from "./db.js";

export interface CampaignReport {
  campaignId: number;
  name: string;
  svg: string;
  rows: number;
}

export async function campaignReport(url: string, campaignId: number): Promise<CampaignReport> {
  return withClient(url, async (c) => {
    const campaign = (
      await c.query<{ name: string; status: string; total_groups: number }>(
        "select name, status, total_groups from wa_data.notification_campaigns where id = $1",
        [campaignId],
      )
    ).rows[0];
    if (!campaign) throw new Error(`no campaign ${campaignId}`);
    // Cumulative counts per minute for each step a row goes through.
    const progress = (
      await c.query<{ t: Date; step: string; n: number }>(
        `with steps as (
         select 'sent' as step, sent_at as t from wa_data.notification_campaign_groups where campaign_id = $1 and sent_at is not null
         union all select 'delivered', delivered_at from wa_data.notification_campaign_groups where campaign_id = $1 and delivered_at is not null
         union all select 'read', read_at from wa_data.notification_campaign_groups where campaign_id = $1 and read_at is not null
         union all select 'failed', failed_at from wa_data.notification_campaign_groups where campaign_id = $1 and failed_at is not null
         union all select 'cancelled', cancelled_at from wa_data.notification_campaign_groups where campaign_id = $1 and cancelled_at is not null)
       select date_trunc('minute', t) as t, step,
              (sum(count(*)) over (partition by step order by date_trunc('minute', t)))::int as n
       from steps group by 1, 2 order by 1, 2`,
        [campaignId],
      )
    ).rows;
    const failures = (
      await c.query<{ code: string; n: number }>(
        `select coalesce(error_code::text, 'no code') as code, count(*)::int as n
       from wa_data.notification_campaign_groups where campaign_id = $1 and status = 'failed' group by 1 order by 2 desc`,
        [campaignId],
      )
    ).rows;
    const spec: TopLevelSpec = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      title: { text: `Campaign ${campaignId}: ${campaign.name}`, subtitle: `${campaign.status}, ${campaign.total_groups} groups` },
      hconcat: [
        {
          title: "Groups over time (cumulative)",
          width: 420,
          height: 260,
          data: { values: progress.map((p) => ({ t: p.t.toISOString(), step: p.step, n: p.n })) },
          mark: { type: "line", point: true, interpolate: "step-after" },
          encoding: {
            x: { field: "t", type: "temporal", title: "time" },
            y: { field: "n", type: "quantitative", title: "groups" },
            color: { field: "step", type: "nominal", title: null, scale: { domain: ["sent", "delivered", "read", "failed", "cancelled"] } },
          },
        },
        {
          title: "Failures by error code",
          width: 220,
          height: 260,
          data: { values: failures },
          mark: { type: "bar" },
          encoding: {
            y: { field: "code", type: "nominal", sort: "-x", title: "error code" },
            x: { field: "n", type: "quantitative", title: "groups" },
          },
        },
      ],
    };
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
    return { campaignId, name: campaign.name, svg: await view.toSVG(), rows: progress.length + failures.length };
  });
}
