import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { schedulerApi } from './scheduler-api.js';
import { EMULATOR_CREDENTIALS } from './sls-child.js';

export type AwsClients = ReturnType<typeof emulatorClients>;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** SDK v3 clients bound to the emulator, never to AWS: endpoint and credentials are explicit. */
export function emulatorClients(endpoint: string, region: string, credentials: Credentials = EMULATOR_CREDENTIALS) {
  const config = { endpoint, region, credentials };
  return {
    cloudFormation: new CloudFormationClient(config),
    cloudWatch: new CloudWatchClient(config),
    cognito: new CognitoIdentityProviderClient(config),
    dynamodb: new DynamoDBClient(config),
    dynamodbStreams: new DynamoDBStreamsClient(config),
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    apiGateway: new ApiGatewayV2Client(config),
    logs: new CloudWatchLogsClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    sqs: new SQSClient(config),
    sns: new SNSClient(config),
    sts: new STSClient(config),
    scheduler: schedulerApi(new SchedulerClient(config)),
  };
}
