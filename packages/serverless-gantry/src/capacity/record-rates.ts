import { accessWrites } from '@gantry/decorators';
import type { Manifest, ManifestFunction } from '../manifest.js';
import { scheduleRate } from './schedule-rate.js';

/** Per second, by function, queue or table name. */
export interface RecordRates {
  /** Requests to each function's routes. */
  http: Map<string, number>;
  /** Scheduled runs of each function. */
  scheduled: Map<string, number>;
  /** Everything each function handles: requests, messages, change records and scheduled runs. */
  records: Map<string, number>;
  /** Messages sent to each queue (or given for it). */
  queueMessages: Map<string, number>;
  /** Items written to each table: one change record each. */
  itemWrites: Map<string, number>;
  /** False when a cycle (a function whose writes run it again) kept growing. */
  settled: boolean;
}

const ROUNDS = 20;

/**
 * How often each function runs, from its routes' rates and its schedules, and the events that
 * follow from what functions do: each send use sends one message per record, each write use
 * writes one item (one change record) per record. A chain (a consumer writing a table whose
 * changes run another) settles in as many rounds as it is long; a queue's given rate replaces what
 * its senders send.
 */
export function recordRates(
  manifest: Manifest,
  routes: { function: string; requestsPerSecond: number }[],
  queueRates: Record<string, number> = {},
): RecordRates {
  const http = new Map<string, number>();
  for (const route of routes) http.set(route.function, (http.get(route.function) ?? 0) + route.requestsPerSecond);
  const scheduled = new Map<string, number>();
  for (const fn of manifest.functions) {
    for (const trigger of fn.triggers) {
      if (trigger.type === 'schedule') {
        scheduled.set(fn.name, (scheduled.get(fn.name) ?? 0) + scheduleRate(trigger.expression, trigger.timezone));
      }
    }
  }

  const records = new Map<string, number>();
  const queueMessages = new Map<string, number>();
  const itemWrites = new Map<string, number>();
  let settled = false;
  for (let round = 0; round < ROUNDS && !settled; round++) {
    queueMessages.clear();
    itemWrites.clear();
    for (const fn of manifest.functions) {
      const r = records.get(fn.name) ?? 0;
      for (const q of fn.sends) queueMessages.set(q, (queueMessages.get(q) ?? 0) + r);
      for (const use of fn.uses) {
        if (accessWrites(use.access)) itemWrites.set(use.table, (itemWrites.get(use.table) ?? 0) + r);
      }
    }
    for (const [queue, rate] of Object.entries(queueRates)) queueMessages.set(queue, rate);
    settled = true;
    for (const fn of manifest.functions) {
      const next =
        (http.get(fn.name) ?? 0) + (scheduled.get(fn.name) ?? 0) + eventRecords(fn, queueMessages, itemWrites);
      if (Math.abs(next - (records.get(fn.name) ?? 0)) > 1e-9 * Math.max(1, next)) settled = false;
      records.set(fn.name, next);
    }
  }
  return { http, scheduled, records, queueMessages, itemWrites, settled };
}

function eventRecords(fn: ManifestFunction, queueMessages: Map<string, number>, itemWrites: Map<string, number>) {
  let sum = 0;
  for (const trigger of fn.triggers) {
    if (trigger.type === 'queue') sum += queueMessages.get(trigger.queue) ?? 0;
    if (trigger.type === 'change') sum += itemWrites.get(trigger.table) ?? 0;
  }
  return sum;
}
