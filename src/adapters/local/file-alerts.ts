import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AlertPublisher } from '../../ports/alerts';
import { type Clock, systemClock } from '../../ports/clock';

/** Embedded alert topic: one JSON line per alert in a file (`<data>/state/alerts.ndjson`). */
export class FileAlertPublisher implements AlertPublisher {
  constructor(
    private readonly file: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async publish(alert: { subject: string; message: string }): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify({ at: this.clock.now().toISOString(), ...alert })}\n`);
  }
}
