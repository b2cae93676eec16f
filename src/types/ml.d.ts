/** Minimal typings for the mljs packages that ship none. */
declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';
  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    train(X: Matrix, Y: Matrix): void;
    predict(X: Matrix): number[];
    toJSON(): Record<string, unknown>;
  }
}
declare module 'ml-xgboost' {
  const loader: Promise<unknown>;
  export default loader;
}
declare module 'asl-validator' {
  const validate: (definition: unknown) => { isValid: boolean; errors: unknown[] };
  export default validate;
}
