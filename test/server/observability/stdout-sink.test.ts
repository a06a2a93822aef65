// The default log sink batches lines: nothing is lost or reordered, a burst becomes one write,
// and a large backlog is written at once instead of waiting for the timer.
import { FLUSH_DELAY_MS, StdoutSink } from '../../../server/observability/stdout-sink';

describe('StdoutSink', () => {
  test('lines of a burst are written once, in order, within the flush delay', async () => {
    const writes: string[] = [];
    const sink = new StdoutSink((chunk) => writes.push(chunk));
    sink.line('{"n":1}');
    sink.line('{"n":2}');
    sink.line('{"n":3}');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS + 50));
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
    sink.line('{"n":4}');
    await new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS + 50));
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n', '{"n":4}\n']);
  });

  test('64 KiB of pending lines are written immediately', () => {
    const writes: string[] = [];
    const sink = new StdoutSink((chunk) => writes.push(chunk));
    const line = 'x'.repeat(1023);
    for (let i = 0; i < 64; i++) sink.line(line);
    expect(writes).toHaveLength(1);
    expect(writes[0].split('\n')).toHaveLength(65);
    sink.line('after');
    sink.flush();
    expect(writes[1]).toBe('after\n');
  });

  test('flush() with nothing pending writes nothing', () => {
    const writes: string[] = [];
    new StdoutSink((chunk) => writes.push(chunk)).flush();
    expect(writes).toEqual([]);
  });
});
