import { compareIds, type ChatMessage } from '../../protocol/index.js';
import { nowMs, sentAtOf } from './clock.js';
import { recordMs } from './histogram.js';
import type { SentRef } from './messages.js';
import { SeqFlags } from './seq-flags.js';
import type { VuSink, VuTally } from './sink.js';

const SHOWN = 1;
const LIVE = 2;

/**
 * What a virtual user was shown of its room, to check delivery: every message after the last
 * id its first join answered (`base`) is owed to it, live or through a resume; one delivered
 * live twice is a duplicate (one also in a resume page is not: that overlap is how a resume
 * works). Remembered by epoch and seq, a byte a message (see {@link SeqFlags}): a seq is one
 * message within an epoch (the server's contract, which the resume relies on too).
 */
export class Ledger {
  /** Messages after this id are owed ('0-0': the room was empty); unset before the first join. */
  base: string | undefined;
  private readonly shown = new Map<string, SeqFlags>();
  private shownEpoch: string | undefined;
  private shownNow: SeqFlags | undefined;

  constructor(private readonly sink: VuSink) {}

  /** A message the user was shown (live, or in a page), of `epoch`. */
  show(m: ChatMessage, epoch: string, isLive: boolean): void {
    // History shown again (a repeated join, a resume) is not a duplicate: only messages owed
    // to the user (after its base) count, and each of those must be shown once.
    if (this.base === undefined || compareIds(m.id, this.base) <= 0) return;
    const shown = this.flagsOf(epoch);
    const flags = shown.get(m.seq);
    if (isLive) {
      if (flags & LIVE) {
        this.sink.counts.duplicated++;
        return;
      }
      shown.add(m.seq, LIVE | SHOWN);
    } else if (!flags) shown.add(m.seq, SHOWN);
    if (flags & SHOWN) return;
    const sentAt = sentAtOf(m.text);
    if (sentAt === undefined) return;
    this.sink.counts.delivered++;
    recordMs(this.sink.latency, nowMs() - sentAt);
  }

  private flagsOf(epoch: string): SeqFlags {
    if (epoch === this.shownEpoch && this.shownNow) return this.shownNow;
    let flags = this.shown.get(epoch);
    if (!flags) this.shown.set(epoch, (flags = new SeqFlags()));
    this.shownEpoch = epoch;
    this.shownNow = flags;
    return flags;
  }

  /** Messages of `sent` (the room's acknowledged ids, in id order) this user still lacks. */
  missing(sent: readonly SentRef[]): number {
    if (this.base === undefined) return 0;
    let n = 0;
    for (let i = firstAfter(sent, this.base); i < sent.length; i++) {
      const { seq, epoch } = sent[i]!;
      if (!((this.shown.get(epoch)?.get(seq) ?? 0) & SHOWN)) n++;
    }
    return n;
  }

  tally(sent: readonly SentRef[]): VuTally {
    if (this.base === undefined) return { expected: 0, delivered: 0, lost: 0 };
    const expected = sent.length - firstAfter(sent, this.base);
    const lost = this.missing(sent);
    return { expected, delivered: expected - lost, lost };
  }
}

/** Index of the first id in `sorted` newer than `base`. */
function firstAfter(sorted: readonly SentRef[], base: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareIds(sorted[mid]!.id, base) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
