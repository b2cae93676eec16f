import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { RedshiftWarehouse } from '../../src/adapters/aws/redshift-warehouse';

/** A RedshiftWarehouse on a real SDK client (mock it with aws-sdk-client-mock), polling without waits. */
export const testRedshift = () =>
  new RedshiftWarehouse({
    workgroupName: 'wg',
    database: 'c360',
    secretArn: 'arn:secret',
    copyRoleArn: '',
    client: new RedshiftDataClient({}),
    sleep: async () => {},
  });
