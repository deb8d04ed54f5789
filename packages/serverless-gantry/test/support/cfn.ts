import type { CfnTemplate } from './serverless.js';

export interface Deployment {
  partition: string;
  region: string;
  accountId: string;
}

export const TEST_DEPLOYMENT: Deployment = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };

/** The label AWS gives a table's stream (when it was turned on) stands for any here. */
export const TEST_STREAM_LABEL = '2026-12-07T00:00:00.000';

/**
 * Resolves the CloudFormation intrinsics used in generated policies (Ref, Fn::GetAtt Arn, Fn::Sub,
 * Fn::Join) to the strings AWS would produce for this template, so policies can be evaluated.
 */
export function resolveIntrinsics(value: unknown, template: CfnTemplate, at: Deployment): unknown {
  const recurse = (v: unknown) => resolveIntrinsics(v, template, at);
  if (Array.isArray(value)) return value.map(recurse);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return ref(String(object.Ref), template, at);
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    return getAtt(id, attribute, template, at);
  }
  if ('Fn::Sub' in object) {
    return String(object['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const [id = '', attribute] = name.split('.');
      return attribute ? getAtt(id, attribute, template, at) : ref(id, template, at);
    });
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(recurse).join(separator);
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, recurse(v)]));
}

function ref(id: string, template: CfnTemplate, at: Deployment): string {
  const pseudo: Record<string, string> = {
    'AWS::Partition': at.partition,
    'AWS::Region': at.region,
    'AWS::AccountId': at.accountId,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  if (pseudo[id]) return pseudo[id];
  const resource = template.Resources[id];
  if (resource?.Type === 'AWS::DynamoDB::Table') return String(resource.Properties?.TableName);
  if (resource?.Type === 'AWS::IAM::Role') return String(resource.Properties?.RoleName);
  if (resource?.Type === 'AWS::SQS::Queue') {
    return `https://sqs.${at.region}.amazonaws.com/${at.accountId}/${resource.Properties?.QueueName}`;
  }
  throw new Error(`cannot resolve Ref ${id}`);
}

function getAtt(id: string, attribute: string, template: CfnTemplate, at: Deployment): string {
  const resource = template.Resources[id];
  if (attribute === 'Arn' && resource?.Type === 'AWS::DynamoDB::Table') {
    return `arn:${at.partition}:dynamodb:${at.region}:${at.accountId}:table/${resource.Properties?.TableName}`;
  }
  if (attribute === 'Arn' && resource?.Type === 'AWS::IAM::Role') {
    return `arn:${at.partition}:iam::${at.accountId}:role/${resource.Properties?.RoleName}`;
  }
  if (attribute === 'StreamArn' && resource?.Type === 'AWS::DynamoDB::Table') {
    return `${getAtt(id, 'Arn', template, at)}/stream/${TEST_STREAM_LABEL}`;
  }
  if (attribute === 'Arn' && resource?.Type === 'AWS::SQS::Queue') {
    return `arn:${at.partition}:sqs:${at.region}:${at.accountId}:${resource.Properties?.QueueName}`;
  }
  if (attribute === 'Arn' && resource?.Type === 'AWS::Lambda::Function') {
    return `arn:${at.partition}:lambda:${at.region}:${at.accountId}:function:${resource.Properties?.FunctionName}`;
  }
  if (attribute === 'Arn' && resource?.Type === 'AWS::S3::Bucket') {
    // An unnamed bucket gets a generated name; the lower-cased logical ID stands in for it.
    return `arn:${at.partition}:s3:::${resource.Properties?.BucketName ?? id.toLowerCase()}`;
  }
  throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
}

export function resourcesOfType(template: CfnTemplate, type: string) {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}
