import type { Scorer } from '../../ports/scorer';

/** The embedded scorer: parses the CSV rows exactly as the endpoint would and runs the model in-process. */
export class LocalScorer implements Scorer {
  constructor(private readonly predict: (X: number[][]) => number[] | Promise<number[]>) {}
  async score(csvRows: string[]): Promise<number[]> {
    const X = csvRows.map((line, i) => {
      const v = line.split(',').map(Number);
      if (v.some((x) => !Number.isFinite(x)))
        throw new Error(`row ${i}: features must be numbers, got "${line}"`);
      return v;
    });
    return [...(await this.predict(X))];
  }
}
