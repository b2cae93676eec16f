/**
 * Writes what follows from the identity types (the core ones and each webhook source's own):
 * the `IdentityType` module, the canonical schema's enum and the hub guard's account list in
 * sql/silver/identity_hubs.sql. Run: `npm run gen`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/paths';
import {
  IDENTITY_TYPES_MODULE,
  IDENTITY_TYPES_SQL,
  renderIdentityTypesModule,
  renderIdentityTypesSql,
  withAccountTypesSql,
  withIdentityEnum,
} from '../src/sources/identity-codegen';

const root = projectRoot();
const update = (rel: string, f: (text: string) => string) => {
  const path = join(root, rel);
  writeFileSync(path, f(readFileSync(path, 'utf8')));
};
writeFileSync(join(root, IDENTITY_TYPES_MODULE), renderIdentityTypesModule());
writeFileSync(join(root, IDENTITY_TYPES_SQL), renderIdentityTypesSql());
update('schemas/common.v1.json', withIdentityEnum);
update('sql/silver/identity_hubs.sql', (sql) => withAccountTypesSql(sql, 'sql/silver/identity_hubs.sql'));
