import type { Normalizer } from './types';

/**
 * Normalizers for batch-file rows (RawEnvelope kind 'batch_file'), keyed by provider:
 * orders | crm | tickets. Filled by the batch file ingestion work.
 */
export const batchFileNormalizers: Record<string, Normalizer> = {};
