import { trainXgboost } from '../../../../src/domain/models/churn';

/**
 * Loading XGBoost's WebAssembly prints nothing: its loader's failed attempt to stream the .wasm
 * through fetch() (a file path in Node) used to put two lines of noise in `npm start`'s output.
 * Its own file, so this is the process's first load of ml-xgboost.
 */
describe('ml-xgboost loading', () => {
  it('trains without the loader streaming noise, and other warnings still get through', async () => {
    const warned: string[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      warned.push(args.map(String).join(' '));
    });
    try {
      // y = x > 0.5, learnable by one split.
      const X = Array.from({ length: 40 }, (_, i) => [i / 40]);
      const y = X.map(([x]) => ((x as number) > 0.5 ? 1 : 0));
      const model = await trainXgboost({ features: ['x'], X, y });
      const p = model.predict([[0.1], [0.9]]);
      model.free();
      expect(p[0]).toBeLessThan(0.5);
      expect(p[1]).toBeGreaterThan(0.5);
      console.warn('an unrelated warning');
      expect(warned).toEqual(['an unrelated warning']);
    } finally {
      warn.mockRestore();
    }
  });
});
