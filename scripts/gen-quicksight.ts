/**
 * Renders the dashboards of src/dashboards/definitions.ts as QuickSight data source, datasets and
 * dashboards into template.yaml's generated block (test/unit/infra/quicksight.test.ts fails when they
 * drift). The datasets' columns are typed from the reporting views of an empty embedded
 * warehouse. Run: `node scripts/build.mjs && node dist/gen-quicksight.mjs`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS } from '../src/dashboards/definitions';
import { exploreForQuickSight } from '../src/dashboards/explore';
import { quicksightResources, renderQuickSightBlock } from '../src/infra/quicksight';
import { projectRoot } from '../src/paths';
import { reportingViewColumns } from '../src/warehouse/embedded';

const file = join(projectRoot(), 'template.yaml');
const views = await reportingViewColumns();
writeFileSync(
  file,
  renderQuickSightBlock(
    readFileSync(file, 'utf8'),
    quicksightResources([...DASHBOARDS, ...exploreForQuickSight()], views),
  ),
);
