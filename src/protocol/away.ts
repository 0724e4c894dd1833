import { z } from 'zod';
import { hasVisibleText, isWellFormed, Name, withinUnits } from './schemas.js';

/*
 * Away messages (`/away`): kept by the server per user until cleared, so every client of the
 * user, `/who` in any room and anyone who writes to the user in a direct conversation sees
 * them.
 */

/** Longest away message, in characters. */
export const AWAY_MESSAGE_MAX = 200;

/** Most users one `away:get` asks about (a room's member list is at most 100 names). */
export const AWAY_QUERY_MAX = 100;

/**
 * `away:set`: the user is away with `message` (trimmed; white space or control characters
 * around it are dropped), or back when `message` is absent or empty.
 */
export const AwaySetPayload = z.strictObject({
  message: z
    .string({ error: 'must be a string' })
    .refine(withinUnits(AWAY_MESSAGE_MAX), `must be at most ${AWAY_MESSAGE_MAX} characters`)
    .refine(
      (s) => s.trim() === '' || hasVisibleText(s),
      'must show something (only invisible characters), or be empty to come back',
    )
    .refine(
      // Line breaks and tabs inside become spaces; other control characters are refused.
      (s) => !/(?![\t\n\v\f\r])\p{Cc}/u.test(s.replace(/^[\s\p{Cc}]+|[\s\p{Cc}]+$/gu, '')),
      'must not contain control characters',
    )
    .refine(isWellFormed, 'must be valid Unicode (a lone surrogate is not a character)')
    .optional(),
});
/** See {@link AwaySetPayload}. */
export type AwaySetPayload = z.infer<typeof AwaySetPayload>;

/** `away:get`: which of these users are away (each named once at most; unknown names: not away). */
export const AwayGetPayload = z.strictObject({
  users: z
    .array(Name)
    .min(1, 'must name at least one user')
    .max(AWAY_QUERY_MAX, `must name at most ${AWAY_QUERY_MAX} users`),
});
/** See {@link AwayGetPayload}. */
export type AwayGetPayload = z.infer<typeof AwayGetPayload>;

/** One user's away message and since when (ms); a new `since` is a new away period. */
export const AwayState = z.object({
  user: z.string(),
  message: z.string(),
  since: z.number().int().nonnegative(),
});
/** See {@link AwayState}. */
export type AwayState = z.infer<typeof AwayState>;

/** What `away:set` answers: the user's state now (`null`: back). */
export const AwaySetResult = z.object({ away: AwayState.nullable() });
/** See {@link AwaySetResult}. */
export type AwaySetResult = z.infer<typeof AwaySetResult>;

/** What `away:get` answers: those of the users asked about who are away, in the order asked. */
export const AwayList = z.object({ away: z.array(AwayState) });
/** See {@link AwayList}. */
export type AwayList = z.infer<typeof AwayList>;
