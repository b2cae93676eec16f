import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pseudonymizer } from '../../../src/domain/enrich/pii';
import { localPiiKey } from '../../../src/runtime/local-enrich';

describe('embedded pseudonymization key', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-key-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is random per data folder, stable within one, and readable by its owner only', async () => {
    const a = localPiiKey(join(dir, 'a'));
    expect(a).toHaveLength(32);
    expect(localPiiKey(join(dir, 'a')).equals(a)).toBe(true);
    const b = localPiiKey(join(dir, 'b'));
    expect(b.equals(a)).toBe(false);
    const token = (k: Buffer) => new Pseudonymizer(k).email('ada@example.com').token;
    expect(token(a)).not.toBe(token(b));
    expect((await stat(join(dir, 'a', 'pii.key'))).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged key file and says what to do', async () => {
    localPiiKey(join(dir, 'c'));
    await writeFile(join(dir, 'c', 'pii.key'), 'not a key');
    expect(() => localPiiKey(join(dir, 'c'))).toThrow('restore it from a backup or remove it');
  });
});
