import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The project root (where sql/, schemas/ and package.json live), found by walking up from this
 * module: works from src/ under jest and from dist/ in the CLI bundle.
 */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sql'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}
