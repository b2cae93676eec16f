/**
 * The scoring contract, SageMaker's: CSV feature rows in (no header, one customer a line, the
 * model's feature order), one score per line out. AWS: a SageMaker endpoint (InvokeEndpoint);
 * embedded: the same model evaluated in-process.
 */
export interface Scorer {
  score(csvRows: string[]): Promise<number[]>;
}
