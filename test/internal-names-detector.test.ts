// The check every HTTP test applies to every answer (test/support/env.ts post()) finds what a real
// leak looks like (the 23503 answer the first build gave a create_campaign racing a sync), and
// does not fire on our own codes or on names the request itself carried.
import { expect, it } from "vitest";
import { db } from "./support/env.js";
import { internalNames } from "./support/http.js";
it("leak detector", async () => {
  expect(
    await internalNames(
      '{"code":"23503","details":"Key (group_id)=(2) is not present in table \\"whatsapp_groups\\".","message":"insert or update on table \\"notification_campaign_groups\\" violates foreign key constraint \\"notification_campaign_groups_group_id_fkey\\""}',
    ),
  ).toEqual(["whatsapp_groups", "notification_campaign_groups", "violates", "constraint", "notification_campaign_groups_group_id_fkey"]);
  expect(await internalNames('{"code":"invalid_api_key","message":"x"}')).toEqual([]);
  expect(await internalNames('{"message":"session drop table whatsapp_groups"}', '{"sessionId":"drop table whatsapp_groups"}')).toEqual([]);
  expect(await internalNames('relation "api.nope" does not exist')).toEqual(['relation "']);
  await db.end();
});
