import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { yamlParse } from 'yaml-cfn';
import { DASHBOARDS as STATIC } from '../../../src/dashboards/definitions';
import {
  EXPLORE_DASHBOARDS,
  exploreForQuickSight,
  FILTER_SETS,
  type FilterSet,
} from '../../../src/dashboards/explore';
import { quicksightResources, renderQuickSightBlock } from '../../../src/infra/quicksight';
import { reportingViewColumns } from '../../../src/warehouse/embedded';
import { checkTemplate } from '../../../tools/template-check/check-template';

const root = join(__dirname, '../../..');
/** Every QuickSight dashboard: the static ones and the explore ones with their filters. */
const DASHBOARDS = [...STATIC, ...exploreForQuickSight()];
const template = readFileSync(join(root, 'template.yaml'), 'utf8');
type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };
const resources = (yamlParse(template) as { Resources: Record<string, Resource> }).Resources;

describe('QuickSight dashboards generated from the dashboard definitions', () => {
  let views: Awaited<ReturnType<typeof reportingViewColumns>>;
  beforeAll(async () => {
    views = await reportingViewColumns();
  });

  it('template.yaml holds exactly what the definitions render (run gen-quicksight after editing them)', () => {
    expect(renderQuickSightBlock(template, quicksightResources(DASHBOARDS, views))).toBe(template);
  });

  it('every visual of every definition is in its QuickSight dashboard, with its title and units, over a dataset of its view', () => {
    for (const d of DASHBOARDS) {
      const board = Object.values(resources).find(
        (r) => r.Type === 'AWS::QuickSight::Dashboard' && r.Properties.Name === d.title,
      );
      expect(board?.Condition).toBe('CreateQuickSight');
      const def = board?.Properties.Definition as {
        DataSetIdentifierDeclarations: { Identifier: string }[];
        Sheets: { Visuals: Record<string, { VisualId: string; Title: unknown; Subtitle: unknown }>[] }[];
      };
      const visuals = def.Sheets.flatMap((s) => s.Visuals.map((v) => Object.values(v)[0]));
      expect(visuals.map((v) => v?.VisualId)).toEqual(d.visuals.map((v) => `${d.id}-${v.id}`));
      d.visuals.forEach((v, i) => {
        expect(visuals[i]?.Title).toEqual({ Visibility: 'VISIBLE', FormatText: { PlainText: v.title } });
        expect(visuals[i]?.Subtitle).toEqual({ Visibility: 'VISIBLE', FormatText: { PlainText: v.units } });
      });
      expect(def.DataSetIdentifierDeclarations.map((x) => x.Identifier).sort()).toEqual(
        [...new Set(d.visuals.map((v) => v.qs.view))].sort(),
      );
    }
  });

  it('the explore dashboards carry the same filters as the served ones: a time range, and a parameter with its drop-down per category, on every visual (drift)', () => {
    const dated = EXPLORE_DASHBOARDS.filter((d) => FILTER_SETS[d.set].view !== 'realtime_trends');
    expect(dated.length).toBe(EXPLORE_DASHBOARDS.length - 1);
    for (const d of dated) {
      const set: FilterSet = FILTER_SETS[d.set];
      const board = Object.values(resources).find(
        (r) => r.Type === 'AWS::QuickSight::Dashboard' && r.Properties.Name === `${d.title} (explore)`,
      );
      type Filter = Record<
        string,
        {
          Column: { ColumnName: string; DataSetIdentifier: string };
          FilterId: string;
          RelativeDateValue?: number;
          Configuration?: { CustomFilterConfiguration: { ParameterName: string; SelectAllOptions: string } };
        }
      >;
      const def = board?.Properties.Definition as {
        FilterGroups: { Filters: Filter[]; ScopeConfiguration: unknown }[];
        ParameterDeclarations: { StringParameterDeclaration: { Name: string; ParameterValueType: string } }[];
        Sheets: {
          SheetId: string;
          Visuals: Record<string, { VisualId: string }>[];
          FilterControls: Record<string, { SourceFilterId: string; Title: string }>[];
          ParameterControls: {
            Dropdown: {
              SourceParameterName: string;
              Title: string;
              SelectableValues: { LinkToDataSetColumn: { ColumnName: string } };
            };
          }[];
        }[];
      };
      // Every filtered visual the served page shows that QuickSight can draw, and only those.
      const visualIds = def.Sheets[0]?.Visuals.map(
        (v) => (Object.values(v)[0] as { VisualId: string }).VisualId,
      );
      expect(visualIds).toEqual(
        d.visuals.filter((v) => v.sql.includes('{where}') && v.qs).map((v) => `${d.id}_explore-${v.id}`),
      );
      const filters = def.FilterGroups.flatMap((g) =>
        g.Filters.map((f) => Object.entries(f)[0] as [string, Filter[string]]),
      );
      expect(filters.map(([kind, f]) => [kind, f.Column.DataSetIdentifier, f.Column.ColumnName])).toEqual([
        ['RelativeDatesFilter', set.view, set.date?.column],
        ...set.categories.map((c) => ['CategoryFilter', set.view, c.column]),
      ]);
      expect(filters[0]?.[1].RelativeDateValue).toBe(30);
      for (const g of def.FilterGroups)
        expect(g.ScopeConfiguration).toEqual({
          SelectedSheets: {
            SheetVisualScopingConfigurations: [{ SheetId: `${d.id}_explore`, Scope: 'ALL_VISUALS' }],
          },
        });
      const controls = def.Sheets[0]?.FilterControls.map((c) => Object.values(c)[0]) ?? [];
      expect(controls.map((c) => c?.Title)).toEqual(['Time range']);
      expect(controls[0]?.SourceFilterId).toBe(filters[0]?.[1].FilterId);
      // Each category: a multi-valued parameter (a link can set it), its filter bound to it, its drop-down.
      const names = set.categories.map((c) => c.name.replace(/_(.)/g, (_, x: string) => x.toUpperCase()));
      expect(def.ParameterDeclarations).toEqual(
        names.map((Name) => ({ StringParameterDeclaration: { Name, ParameterValueType: 'MULTI_VALUED' } })),
      );
      expect(filters.slice(1).map(([, f]) => f.Configuration?.CustomFilterConfiguration)).toEqual(
        names.map((ParameterName) =>
          expect.objectContaining({ ParameterName, SelectAllOptions: 'FILTER_ALL_VALUES' }),
        ),
      );
      expect(
        def.Sheets[0]?.ParameterControls.map((c) => [
          c.Dropdown.SourceParameterName,
          c.Dropdown.Title,
          c.Dropdown.SelectableValues.LinkToDataSetColumn.ColumnName,
        ]),
      ).toEqual(set.categories.map((c, i) => [names[i], c.label, c.column]));
    }
  });

  it("each dataset reads its reporting view in place, with the view's columns and types", () => {
    const datasets = Object.values(resources).filter((r) => r.Type === 'AWS::QuickSight::DataSet');
    expect(datasets.length).toBe(new Set(DASHBOARDS.flatMap((d) => d.visuals.map((v) => v.qs.view))).size);
    for (const ds of datasets) {
      const table = Object.values(
        ds.Properties.PhysicalTableMap as Record<
          string,
          {
            RelationalTable: { Schema: string; Name: string; InputColumns: { Name: string; Type: string }[] };
          }
        >,
      )[0]?.RelationalTable;
      expect(table?.Schema).toBe('reporting');
      // CreateDataSet refuses PhysicalTableMap keys outside [0-9a-zA-Z-] (cfn-lint E3002).
      for (const key of Object.keys(ds.Properties.PhysicalTableMap as object))
        expect(key).toMatch(/^[0-9a-zA-Z-]+$/);
      expect(ds.Properties.ImportMode).toBe('DIRECT_QUERY');
      expect(table?.InputColumns.map((c) => c.Name)).toEqual(
        views[table?.Name as string]?.map((c) => c.name),
      );
      // Money stays exact decimal; timestamps are dates; counts integers.
      const types = Object.fromEntries((table?.InputColumns ?? []).map((c) => [c.Name, c.Type]));
      for (const c of views[table?.Name as string] ?? []) {
        if (c.type.startsWith('DECIMAL')) expect(types[c.name]).toBe('DECIMAL');
        if (c.type === 'BIGINT') expect(types[c.name]).toBe('INTEGER');
        if (c.type.startsWith('TIMESTAMP') || c.type === 'DATE') expect(types[c.name]).toBe('DATETIME');
      }
    }
  });

  it("each dataset describes every column with the view file's `-- column` line", () => {
    const datasets = Object.values(resources).filter((r) => r.Type === 'AWS::QuickSight::DataSet');
    for (const ds of datasets) {
      const [physical] = Object.values(
        ds.Properties.PhysicalTableMap as Record<
          string,
          { RelationalTable: { Name: string; InputColumns: { Name: string }[] } }
        >,
      );
      const view = physical?.RelationalTable.Name as string;
      const header = readFileSync(join(root, 'sql', 'warehouse', 'reporting', `${view}.sql`), 'utf8');
      const lines = Object.fromEntries(
        [...header.matchAll(/^-- column (\w+): (.+)$/gm)].map((m) => [m[1], m[2]]),
      );
      const [logical] = Object.values(
        ds.Properties.LogicalTableMap as Record<
          string,
          {
            DataTransforms: {
              TagColumnOperation: { ColumnName: string; Tags: { ColumnDescription: { Text: string } }[] };
            }[];
          }
        >,
      );
      const described = Object.fromEntries(
        (logical?.DataTransforms ?? []).map((t) => [
          t.TagColumnOperation.ColumnName,
          t.TagColumnOperation.Tags[0]?.ColumnDescription.Text,
        ]),
      );
      const columns = physical?.RelationalTable.InputColumns.map((c) => c.Name) ?? [];
      expect({ view, described }).toEqual({
        view,
        described: Object.fromEntries(columns.map((c) => [c, lines[c]])),
      });
      expect(columns.every((c) => typeof lines[c] === 'string')).toBe(true);
    }
  });

  it('the template checker catches a misspelled visual property, a bad enum value and a missing required one', () => {
    const plant = (from: string, to: string) => {
      expect(template).toContain(from);
      return checkTemplate(template.replace(from, to), root).map((p) => `${p.where}: ${p.problem}`);
    };
    expect(plant('Orientation: VERTICAL', 'Orientaton: VERTICAL').join('\n')).toMatch(
      /unknown property Orientaton/,
    );
    expect(plant('Orientation: VERTICAL', 'Orientation: SIDEWAYS').join('\n')).toMatch(
      /SIDEWAYS is not one of HORIZONTAL, VERTICAL/,
    );
    expect(plant('            DataSetArn: !GetAtt', '            DataSetArm: !GetAtt').join('\n')).toMatch(
      /missing required property DataSetArn/,
    );
  });

  it('a visual over a column its view does not have is refused, naming it', () => {
    const [first, ...rest] = DASHBOARDS;
    const broken = {
      ...(first as (typeof DASHBOARDS)[number]),
      visuals: [
        {
          ...(first?.visuals[0] as (typeof DASHBOARDS)[number]['visuals'][number]),
          qs: { view: 'customer_segments', values: [{ column: 'no_such_column', agg: 'SUM' as const }] },
        },
      ],
    };
    expect(() => quicksightResources([broken, ...rest], views)).toThrow(
      /segments\/customers: reporting.customer_segments has no column no_such_column/,
    );
  });
});
