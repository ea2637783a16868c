import { describe, expect, it } from 'vitest';
import { WatchRenderer, type WatchOutput } from './watch.renderer';

function output(isTTY: boolean, columns?: number): WatchOutput & { text: string } {
  const out = {
    text: '',
    isTTY,
    columns,
    write(t: string) {
      out.text += t;
    },
  };
  return out;
}

describe('WatchRenderer', () => {
  it('on a terminal redraws one progress line in place and keeps it below new lines', () => {
    const out = output(true, 12);
    const r = new WatchRenderer(out, 10_000);
    r.progress('step 1');
    r.progress('step 2 of a long run');
    r.line('epoch 1 done');
    r.finish();
    expect(out.text).toBe(
      'step 1' +
        '\r\x1b[2Kstep 2 of …' + // cut to the terminal's width
        '\r\x1b[2Kepoch 1 done\nstep 2 of …' +
        '\r\x1b[2K',
    );
  });

  it('elsewhere prints plain lines, at most one progress line per interval', () => {
    const out = output(false);
    let t = 0;
    const r = new WatchRenderer(out, 1000, () => t);
    r.progress('step 1');
    t = 999;
    r.progress('step 2');
    r.line('epoch 1 done');
    t = 1000;
    r.progress('step 3');
    r.finish();
    expect(out.text).toBe('step 1\nepoch 1 done\nstep 3\n');
  });
});
