/**
 * AWS X-Ray tracing for a Gantry function, with Powertools Tracer. Imported for its effect, first,
 * by the generated entry of a function whose tracing is on (`@fn({ tracing: true })` or
 * `custom.gantry.tracing`); functions without tracing never load it, so it costs them nothing.
 * Each invocation gets a subsegment `## <function>` annotated with ColdStart, the Lambda request id
 * and (HTTP) API Gateway's request id, which the HTTP API access log and the kit's log line hold;
 * the AWS SDK clients the kit makes (table and queue clients) are captured, so each call is a
 * subsegment. Outside Lambda (tests, `sls offline`) Powertools Tracer turns itself off.
 * @module
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { setTracingHooks } from './hooks.js';

const tracer = new Tracer({ serviceName: process.env.GANTRY_SERVICE ?? 'service' });
const name = `## ${process.env.GANTRY_FUNCTION ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'handler'}`;

setTracingHooks({
  startInvocation({ requestId, apiRequestId, coldStart }) {
    if (!tracer.isTracingEnabled()) return () => undefined;
    const parent = tracer.getSegment();
    const segment = parent?.addNewSubsegment(name);
    if (!parent || !segment) return () => undefined;
    tracer.setSegment(segment);
    // The kit's own cold start (the one its log line and metric say), not Powertools' counter.
    tracer.putAnnotation('ColdStart', coldStart);
    if (requestId) tracer.putAnnotation('requestId', requestId);
    if (apiRequestId) tracer.putAnnotation('apiRequestId', apiRequestId);
    return () => {
      segment.close();
      tracer.setSegment(parent);
    };
  },
  captureClient: (client) => tracer.captureAWSv3Client(client),
});

export { tracer };
