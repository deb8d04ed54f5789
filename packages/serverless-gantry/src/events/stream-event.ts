import type { AttributeValue, _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';

type Json = Record<string, unknown>;

/**
 * A stream record as Lambda puts it into a function's event: the record GetRecords returned, in
 * DynamoDB's JSON (binary values base64, as on the wire, not the SDK's bytes), the creation time in
 * epoch seconds, `userIdentity` in Lambda's lower-case form, and the stream's ARN as `eventSourceARN`.
 */
export function streamEventRecord(record: StreamRecord, streamArn: string): Json {
  const change = record.dynamodb ?? {};
  const created = change.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
      Keys: image(change.Keys ?? {}),
      ...(change.NewImage ? { NewImage: image(change.NewImage) } : {}),
      ...(change.OldImage ? { OldImage: image(change.OldImage) } : {}),
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
    eventSourceARN: streamArn,
    ...(record.userIdentity
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
  };
}

function image(item: Record<string, AttributeValue>): Json {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, wire(value)]));
}

/** One attribute value back in DynamoDB's JSON form. */
function wire(value: AttributeValue): Json {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: image(value.M) };
  if (value.L !== undefined) return { L: value.L.map(wire) };
  const [type, member] = Object.entries(value).find(([, v]) => v !== undefined) ?? ['NULL', true];
  return { [type]: member };
}
