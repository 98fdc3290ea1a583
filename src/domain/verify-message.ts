/** The verify queue's message body, parsed with valibot so a malformed message fails loudly. */
import * as v from 'valibot';

export const VerifyMessageSchema = v.object({
  teamId: v.pipe(v.string(), v.minLength(1)),
  domainId: v.pipe(v.string(), v.uuid()),
  requestedAt: v.string(),
  /** `user` for POST /verify, `schedule` for the periodic re-check. */
  reason: v.picklist(['user', 'schedule']),
});

export type VerifyMessage = v.InferOutput<typeof VerifyMessageSchema>;

export function parseVerifyMessage(body: string): VerifyMessage {
  return v.parse(VerifyMessageSchema, JSON.parse(body));
}
