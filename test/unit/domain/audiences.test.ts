import {
  AUDIENCES,
  changesSql,
  checkDefinitions,
  dailySql,
  definitionsSql,
  membersSql,
} from '../../../src/domain/audiences';

describe('audience definitions', () => {
  const ok = { name: 'vip', purpose: 'marketing' as const, description: "Buyers' best", rule: 'orders > 10' };

  it('every defined audience is one branch of the members SQL, with its purpose and rule', () => {
    const sql = membersSql();
    for (const a of AUDIENCES)
      expect(sql).toContain(
        `SELECT customer_id, '${a.name}' AS audience, '${a.purpose}' AS purpose FROM audience_features WHERE ${a.rule}`,
      );
    expect(sql.match(/FROM audience_features WHERE/g)).toHaveLength(AUDIENCES.length);
  });

  it('the definitions relation holds each audience once, quotes escaped', () => {
    const sql = definitionsSql([ok, { ...ok, name: 'lapsed', description: 'none' }]);
    expect(sql).toContain("SELECT 'vip' AS audience, 'marketing' AS purpose, 'Buyers'' best' AS description");
    expect(sql.match(/UNION ALL/g)).toHaveLength(1);
  });

  it.each([
    [{ ...ok, name: 'VIP' }, /lower-case/],
    [{ ...ok, name: "x'; DROP" }, /lower-case/],
    [{ ...ok, purpose: 'analytics' as never }, /purpose must be marketing or advertising/],
    [{ ...ok, rule: 'orders > 1; DELETE FROM x' }, /one predicate/],
    [{ ...ok, rule: 'orders > 1 -- all' }, /one predicate/],
    [{ ...ok, rule: '  ' }, /one predicate/],
  ])('refuses a bad definition (%#)', (def, message) => {
    expect(() => checkDefinitions([def])).toThrow(message);
    expect(() => membersSql([def])).toThrow(message);
  });

  it('refuses a name defined twice', () => {
    expect(() => checkDefinitions([ok, ok])).toThrow('audience "vip" is defined twice');
    expect(() => changesSql([ok, ok])).toThrow(/twice/);
    expect(() => dailySql([ok, ok])).toThrow(/twice/);
  });

  it('the shipped definitions pass their own checks', () => {
    expect(() => checkDefinitions(AUDIENCES)).not.toThrow();
  });
});
