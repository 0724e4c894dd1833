import { z } from 'zod';
import {
  ChatMessage,
  ErrorCode,
  type ErrorBody,
  type HistoryResult,
  type Result,
  type SendResult,
  type Welcome,
} from '../../protocol/index.js';

/**
 * What a virtual user checks of what the server says to it, beyond the messages themselves
 * (`ChatMessage` from src/protocol): the parts of each answer and event it acts on. Each
 * schema is built once, here; a payload that fails one is a protocol error, counted.
 */

const ErrorBodySchema = z.object({
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
}) satisfies z.ZodType<ErrorBody>;

/** `{ok:true,data}` or `{ok:false,error}` around `data`. */
function result<T extends z.ZodType>(data: T) {
  return z.union([
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ErrorBodySchema }),
  ]);
}

/**
 * The part of a join or history answer a virtual user reads (a history answer has no epoch
 * when the room has none now).
 */
export type Page = Pick<HistoryResult, 'messages' | 'hasMore' | 'truncated' | 'epoch'> & {
  lastSeq?: number;
};

const PageSchema = z.object({
  messages: z.array(ChatMessage),
  hasMore: z.boolean(),
  truncated: z.boolean(),
  epoch: z.string().optional(),
  lastSeq: z.number().int().nonnegative().optional(),
}) satisfies z.ZodType<Page>;

export const PageAnswer = result(PageSchema) satisfies z.ZodType<Result<Page>>;
export const SendAnswer = result(
  z.object({
    id: z.string(),
    seq: z.number().int().positive(),
    epoch: z.string(),
  }) satisfies z.ZodType<Pick<SendResult, 'id' | 'seq' | 'epoch'>>,
) satisfies z.ZodType<Result<Pick<SendResult, 'id' | 'seq' | 'epoch'>>>;

export const WelcomeEvent = z.object({
  user: z.string(),
  instanceId: z.string(),
  bootId: z.string(),
}) satisfies z.ZodType<Pick<Welcome, 'user' | 'instanceId' | 'bootId'>>;

export const DrainingEvent = z.object({
  instanceId: z.string(),
  reconnectWithinMs: z.number().nonnegative(),
});

export const SessionEndedEvent = z.object({ reason: z.string() });

export const SyncEvent = z.object({ reason: z.string() });

/** A failed ack as the load tester reports it: no answer in time counts as `unavailable`. */
export function unavailable(message: string): { ok: false; error: ErrorBody } {
  return { ok: false, error: { code: ErrorCode.Unavailable, message } };
}
