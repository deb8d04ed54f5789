import { GetScheduleCommand, paginateListSchedules, type SchedulerClient } from '@aws-sdk/client-scheduler';

/** A schedule as EventBridge Scheduler's GetSchedule returns it (the fields a rehearsal reads). */
export interface DeployedSchedule {
  Arn?: string;
  Name: string;
  GroupName?: string;
  ScheduleExpression?: string;
  ScheduleExpressionTimezone?: string;
  State?: string;
  FlexibleTimeWindow?: { Mode?: string };
  Target?: { Arn?: string; RoleArn?: string; Input?: string };
}

/** EventBridge Scheduler's GetSchedule and ListSchedules against the emulator, for the rehearsal's checks. */
export function schedulerApi(client: SchedulerClient) {
  return {
    async getSchedule(name: string): Promise<DeployedSchedule> {
      const schedule = await client.send(new GetScheduleCommand({ Name: name }));
      return { ...schedule, Name: schedule.Name ?? name } as DeployedSchedule;
    },
    /** Every schedule whose name starts with `prefix` (all when ''): its name and its target's ARN. */
    async listSchedules(prefix: string): Promise<{ name: string; target: string | undefined }[]> {
      const found: { name: string; target: string | undefined }[] = [];
      for await (const page of paginateListSchedules({ client }, prefix ? { NamePrefix: prefix } : {})) {
        for (const s of page.Schedules ?? []) found.push({ name: s.Name ?? '', target: s.Target?.Arn });
      }
      return found;
    },
  };
}
