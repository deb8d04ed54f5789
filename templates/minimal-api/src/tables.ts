import { table } from '@gantry/decorators';

/** Deployed as `<service>-<stage>-items`; functions find the name in `GANTRY_TABLE_ITEMS`. */
export const Items = table('items', {
  partitionKey: { name: 'id', type: 'S' },
});
