import { table } from '@gantry/decorators';

/**
 * Deployed as `<service>-<stage>-tasks`; functions find the name in `GANTRY_TABLE_TASKS`.
 * Every task belongs to the user who created it: the partition key is the caller's `sub` (from the
 * verified token, never from the request), so one user's reads and writes can only reach their own
 * items. The `byList` index returns one user's list, oldest first: its key joins `sub` and the list.
 */
export const Tasks = table('tasks', {
  partitionKey: { name: 'owner', type: 'S' },
  sortKey: { name: 'id', type: 'S' },
  indexes: {
    byList: {
      partitionKey: { name: 'ownerList', type: 'S' },
      sortKey: { name: 'createdAt', type: 'S' },
    },
  },
});

/**
 * Each list's open and done counts, kept by `ListCounts.count` from the tasks' changes (the `tasks`
 * table's stream): reading them is one GetItem, however long the list.
 */
export const Counts = table('counts', {
  partitionKey: { name: 'ownerList', type: 'S' },
});
