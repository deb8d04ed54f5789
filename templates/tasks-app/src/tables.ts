import { table } from '@gantry/decorators';

/**
 * Deployed as `<service>-<stage>-tasks`; functions find the name in `GANTRY_TABLE_TASKS`.
 * Each task belongs to a list; the `byList` index returns a list's tasks oldest first.
 */
export const Tasks = table('tasks', {
  partitionKey: { name: 'id', type: 'S' },
  indexes: {
    byList: {
      partitionKey: { name: 'listId', type: 'S' },
      sortKey: { name: 'createdAt', type: 'S' },
    },
  },
});
