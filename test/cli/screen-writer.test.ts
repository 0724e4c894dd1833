import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CLEAR_TERMINAL, frameUpdate, inPlaceFrames } from '../../src/cli/tui/screen-writer.js';

/** A terminal-sized stream that keeps what is written to it, one string per write. */
function terminal(columns = 10, rows = 3): { out: NodeJS.WriteStream; writes: string[] } {
  const writes: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString());
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(out, { columns, rows, isTTY: true });
  return { out, writes };
}

const frame = (...rows: string[]): string => CLEAR_TERMINAL + rows.join('\n');

describe('full-screen frames redrawn in place', () => {
  it('writes only the rows that changed, each over its old self, and the last row last', () => {
    expect(frameUpdate(['head', 'a', 'input'], ['head', 'b', 'input'], 10)).toBe(
      '\x1b[2;1Hb\x1b[K\x1b[3;1Hinput\x1b[K',
    );
    // Nothing changed: the last row alone, so the cursor ends where a whole frame leaves it.
    expect(frameUpdate(['head', 'a', 'input'], ['head', 'a', 'input'], 10)).toBe(
      '\x1b[3;1Hinput\x1b[K',
    );
  });

  it('leaves the erase off a row that fills the width (styles do not count), erases rows no longer drawn', () => {
    const full = '\x1b[1m0123456789\x1b[22m';
    expect(frameUpdate(['x', 'y', 'z'], [full, 'last'], 10)).toBe(
      `\x1b[3;1H\x1b[2K\x1b[1;1H${full}\x1b[2;1Hlast\x1b[K`,
    );
  });

  it('passes the first frame whole, then sends only changes; anything drawn between makes the next one whole', () => {
    const { out, writes } = terminal();
    const stdout = inPlaceFrames(out);
    stdout.write(frame('head', 'one', '> '));
    stdout.write(frame('head', 'one', '> h'));
    expect(writes).toEqual([frame('head', 'one', '> '), '\x1b[3;1H> h\x1b[K']);

    // Synchronised-output brackets and the cursor's visibility draw nothing.
    stdout.write('\x1b[?2026h');
    stdout.write('\x1b[?25l');
    stdout.write(frame('head', 'two', '> h'));
    expect(writes.at(-1)).toBe('\x1b[2;1Htwo\x1b[K\x1b[3;1H> h\x1b[K');

    // Printed text can land anywhere: the next frame is written whole.
    stdout.write('warning\n');
    stdout.write(frame('head', 'two', '> h'));
    expect(writes.at(-1)).toBe(frame('head', 'two', '> h'));
    stdout.write(Buffer.from('bytes'));
    stdout.write(frame('head', 'two', '> h'));
    expect(writes.at(-1)).toBe(frame('head', 'two', '> h'));
  });

  it('writes a frame taller than the screen whole, and the one after it', () => {
    const { out, writes } = terminal(10, 3);
    const stdout = inPlaceFrames(out);
    stdout.write(frame('head', 'one', '> '));
    stdout.write(frame('head', 'one', 'two', '> '));
    stdout.write(frame('head', 'one', '> '));
    expect(writes).toEqual([
      frame('head', 'one', '> '),
      frame('head', 'one', 'two', '> '),
      frame('head', 'one', '> '),
    ]);
  });

  it('writes the frame after a resize whole', () => {
    const { out, writes } = terminal();
    const stdout = inPlaceFrames(out);
    stdout.write(frame('head', 'one', '> '));
    out.emit('resize');
    stdout.write(frame('head', 'one', '> '));
    expect(writes).toEqual([frame('head', 'one', '> '), frame('head', 'one', '> ')]);
  });

  it('is the stream otherwise: its size, its events, its write callback', async () => {
    const { out } = terminal(42, 7);
    const stdout = inPlaceFrames(out);
    expect([stdout.columns, stdout.rows, stdout.isTTY]).toEqual([42, 7, true]);
    let resized = 0;
    const onResize = (): void => void resized++;
    stdout.on('resize', onResize);
    out.emit('resize');
    stdout.off('resize', onResize);
    out.emit('resize');
    expect(resized).toBe(1);
    await new Promise<void>((done) => stdout.write(frame('a', 'b'), () => done()));
  });
});
