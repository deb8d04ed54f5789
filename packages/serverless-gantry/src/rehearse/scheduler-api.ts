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

/**
 * EventBridge Scheduler's GetSchedule and ListSchedules against the emulator, for the rehearsal's
 * checks. Written with fetch because serverless-gantry has no `@aws-sdk/client-scheduler`: its
 * REST-JSON calls are two GETs. The request names its service in a SigV4 credential scope (moto
 * routes by it) but is not signed, so it works only while the emulator's IAM enforcement is off,
 * which is when the rehearsal reads what was deployed.
 */
export function schedulerApi(endpoint: string, region: string) {
  const call = async (path: string): Promise<unknown> => {
    const response = await fetch(`${endpoint}${path}`, {
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=gantryrehearsal/20260101/${region}/scheduler/aws4_request, SignedHeaders=host, Signature=0`,
      },
    });
    const text = await response.text();
    if (!response.ok) {
      const error = new Error(`Scheduler ${path}: ${response.status} ${text.slice(0, 300)}`);
      error.name = response.status === 404 ? 'ResourceNotFoundException' : 'SchedulerError';
      throw error;
    }
    return JSON.parse(text) as unknown;
  };
  return {
    getSchedule: (name: string) => call(`/schedules/${encodeURIComponent(name)}`) as Promise<DeployedSchedule>,
    /** Every schedule whose name starts with `prefix` (all when ''): its name and its target's ARN. */
    async listSchedules(prefix: string): Promise<{ name: string; target: string | undefined }[]> {
      const found: { name: string; target: string | undefined }[] = [];
      let token: string | undefined;
      do {
        const query = [
          ...(prefix ? [`NamePrefix=${encodeURIComponent(prefix)}`] : []),
          ...(token ? [`NextToken=${encodeURIComponent(token)}`] : []),
        ];
        const page = (await call(`/schedules${query.length ? `?${query.join('&')}` : ''}`)) as {
          Schedules?: { Name: string; Target?: { Arn?: string } }[];
          NextToken?: string | null;
        };
        found.push(...(page.Schedules ?? []).map((s) => ({ name: s.Name, target: s.Target?.Arn })));
        token = page.NextToken ?? undefined;
      } while (token);
      return found;
    },
  };
}
