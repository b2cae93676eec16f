import { SingleBar } from 'cli-progress';

/**
 * Progress for long commands: a bar (cli-progress) when stderr is a terminal, plain lines
 * otherwise (CI logs, pipes), so output stays readable either way.
 */
export interface Progress {
  /** A step finished: a line of text. */
  line(message: string): void;
  /** Counted progress (value of total). */
  update(value: number, total: number, label?: string): void;
  done(): void;
}

export function progressReporter(name: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let bar: SingleBar | null = null;
  let lastPlain = 0;
  return {
    line(message) {
      if (bar) {
        bar.stop();
        bar = null;
      }
      stream.write(`${name}: ${message}\n`);
    },
    update(value, total, label = '') {
      if (tty) {
        if (!bar) {
          bar = new SingleBar({
            stream,
            format: `${name} [{bar}] {percentage}% | {value}/{total} {label}`,
            hideCursor: true,
          });
          bar.start(total, 0, { label });
        }
        bar.setTotal(total);
        bar.update(value, { label });
        return;
      }
      // Plain: at most one line per 10% step.
      const step = total > 0 ? Math.floor((value / total) * 10) : 0;
      if (step > lastPlain || value === total) {
        lastPlain = step;
        stream.write(`${name}: ${value}/${total} ${label}\n`);
      }
    },
    done() {
      bar?.stop();
      bar = null;
    },
  };
}
