import { createHash } from 'node:crypto';

/**
 * AWS's limits on the names Gantry writes. Names Gantry derives are shortened to fit (with a hash,
 * so two long names never become one); names the user chose and code depends on (index names,
 * statement Sids, function keys) are checked at build time instead.
 */
export const NAME_LIMITS = {
  /** IAM role name: [\w+=,.@-]. */
  role: 64,
  /** Inline policy name of a role. */
  policy: 128,
  /** Lambda function name: [a-zA-Z0-9-_]. */
  lambda: 64,
  /** CloudWatch Logs log group name. */
  logGroup: 512,
  /** DynamoDB table and index names: [a-zA-Z0-9_.-]. */
  table: 255,
  tableMin: 3,
  /** CloudFormation logical IDs and output names: [A-Za-z0-9]. */
  logicalId: 255,
} as const;

/** `notes-api-get` → `NotesApiGet`: the stem of CloudFormation logical IDs. */
export function pascal(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

const hash = (name: string) => createHash('sha256').update(name).digest('hex').slice(0, 8);

/**
 * Fits a name into `max` characters, deterministically: names that fit are kept; longer ones keep
 * their start and end with a hash of the whole, so two long names never shorten to the same one.
 */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const room = max - 8 - 2;
  const head = Math.ceil(room / 2);
  return `${name.slice(0, head)}-${hash(name)}-${name.slice(name.length - (room - head))}`.replace(/--+/g, '-');
}

/** A CloudFormation logical ID (alphanumeric, at most 255): `stem` + `suffix`, the stem shortened with a hash. */
export function logicalId(stem: string, suffix: string): string {
  const id = `${stem}${suffix}`;
  if (id.length <= NAME_LIMITS.logicalId) return id;
  return `${stem.slice(0, NAME_LIMITS.logicalId - suffix.length - 8)}${hash(id)}${suffix}`;
}

export const roleLogicalId = (functionName: string) => logicalId(pascal(functionName), 'Role');
export const tableLogicalId = (tableName: string) => logicalId(pascal(tableName), 'Table');
/** The output that carries a table's deployed name: `NotesTableName`. */
export const tableOutputId = (tableName: string) => logicalId(pascal(tableName), 'TableName');

/** The deployed Lambda name (64 characters at most), which also names its log group. */
export const lambdaName = (service: string, stage: string, fn: string) =>
  fitName(`${service}-${stage}-${fn}`, NAME_LIMITS.lambda);

/** The function's log group, as Lambda and osls name it (at most 19 + 64 characters). */
export const logGroupName = (deployedName: string) => `/aws/lambda/${deployedName}`;

/** IAM role names are global to the account and at most 64 characters: include the region. */
export const roleName = (service: string, stage: string, region: string, fn: string) =>
  fitName(`${service}-${stage}-${fn}-${region}`, NAME_LIMITS.role);

/**
 * osls's shared role (for hand-written functions without a role) is named
 * `<service>-<stage>-<region>-lambdaRole`, which IAM refuses past 64 characters: the fitted name
 * to give it, or undefined when osls's own fits.
 */
export function sharedRoleName(service: string, stage: string, region: string): string | undefined {
  const name = `${service}-${stage}-${region}-lambdaRole`;
  return name.length > NAME_LIMITS.role ? fitName(name, NAME_LIMITS.role) : undefined;
}

/** The role's one inline policy (only unique within the role; 128 characters at most). */
export const policyName = (fn: string) => fitName(`${pascal(fn)}Policy`, NAME_LIMITS.policy);

/** The deployed table name: `<service>-<stage>-<name>`, 255 characters at most. */
export const deployedTableName = (service: string, stage: string, table: string) =>
  fitName(`${service}-${stage}-${table}`, NAME_LIMITS.table);

// osls 4.3.1 derives its own logical IDs from function keys and route keys (lib/plugins/aws/lib/
// naming.js). Reproduced here, because what it derives must stay within CloudFormation's limits
// and distinct, and only Gantry can say which method caused a clash.
const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** osls's normalized function name: `notes-api_read` → `NotesDashapiUnderscoreread`. */
export const oslsFunctionStem = (fn: string) => upperFirst(fn.replace(/-/g, 'Dash').replace(/_/g, 'Underscore'));

/** The longest ID osls derives from a function key: `<stem>LambdaVersion<sha256 base64, alphanumeric>`. */
export const oslsLongestFunctionId = (fn: string) => `${oslsFunctionStem(fn)}LambdaVersion${'x'.repeat(43)}`;

/** osls's logical ID of an HTTP API route: `GET /items/{id}` → `HttpApiRouteGetItemsIdVar`. */
export function oslsRouteId(method: string, path: string): string {
  const part = (raw: string) =>
    upperFirst(
      raw
        .toLowerCase()
        .replace(/-/g, 'Dash')
        .replace(/\{(.*)\}/g, '$1Var')
        .replace(/[^0-9A-Za-z]/g, ''),
    );
  return `HttpApiRoute${`${method} ${path}`.split('/').map(part).join('')}`;
}

/** SQS queue names: [a-zA-Z0-9_-], 80 characters at most, `.fifo` included for a FIFO queue. */
export const QUEUE_NAME_LIMIT = 80;

/** The deployed queue name: `<service>-<stage>-<name>`, with `.fifo` for a FIFO queue. */
export function deployedQueueName(service: string, stage: string, queue: string, fifo: boolean): string {
  const suffix = fifo ? '.fifo' : '';
  return `${fitName(`${service}-${stage}-${queue}`, QUEUE_NAME_LIMIT - suffix.length)}${suffix}`;
}

export const queueLogicalId = (queueName: string) => logicalId(pascal(queueName), 'Queue');
export const deadLetterLogicalId = (queueName: string) => logicalId(pascal(queueName), 'DeadLetterQueue');
/** The output that carries a queue's URL: `JobsQueueUrl`. */
export const queueOutputId = (queueName: string) => logicalId(pascal(queueName), 'QueueUrl');
export const scheduleLogicalId = (functionName: string, index: number) =>
  logicalId(pascal(functionName), `Schedule${index === 0 ? '' : index + 1}`);
export const schedulerRoleLogicalId = (functionName: string) => logicalId(pascal(functionName), 'SchedulerRole');
/** EventBridge Scheduler schedule names: [0-9a-zA-Z-_.], 64 characters at most. */
export const scheduleName = (service: string, stage: string, fn: string, index: number) =>
  fitName(`${service}-${stage}-${fn}${index === 0 ? '' : `-${index + 1}`}`, 64);

/** S3 bucket names: 3–63 lower-case letters, digits, '-' and '.'; global across every account. */
export const BUCKET_NAME_LIMIT = 63;
const ACCOUNT_ID_LENGTH = 12;

/**
 * The deployed bucket name, as `Fn::Sub` takes it: `<service>-<stage>-<bucket>-${AWS::AccountId}-${AWS::Region}`.
 * Bucket names are global across accounts and Regions, so the account and Region make it unique
 * where the service and stage alone would not; lower case, as S3 requires (service and stage names
 * may hold capitals). It is written out, not left to CloudFormation, because the functions' policies
 * and S3's permission to invoke them name the bucket without referring to it (a reference would make
 * the bucket, its notifications and the permission depend on each other).
 */
export const deployedBucketName = (service: string, stage: string, bucket: string) =>
  `${fitName(`${service}-${stage}-${bucket}`.toLowerCase(), BUCKET_STEM_LIMIT)}-\${AWS::AccountId}-\${AWS::Region}`;

/**
 * The longest Region name (`ap-southeast-4`: 14). A bucket's `<service>-<stage>-<bucket>` is
 * shortened (with a hash, as other derived names) to what fits beside the account and the longest
 * Region, so a bucket has the same name logic in every Region and a stage never fails to build for
 * its name alone.
 */
const LONGEST_REGION = 14;
const BUCKET_STEM_LIMIT = BUCKET_NAME_LIMIT - ACCOUNT_ID_LENGTH - LONGEST_REGION - 2;

/** A deployed bucket name with its account and Region filled in (local runs, tests). */
export const bucketNameIn = (bucketName: string, at: { accountId: string; region: string }) =>
  bucketName.replaceAll('${AWS::AccountId}', at.accountId).replaceAll('${AWS::Region}', at.region);

/** Its length once deployed in `region` (an account ID is always 12 digits). */
export const deployedBucketNameLength = (bucketName: string, region: string) =>
  bucketNameIn(bucketName, { accountId: '0'.repeat(ACCOUNT_ID_LENGTH), region }).length;

export const bucketLogicalId = (bucketName: string) => logicalId(pascal(bucketName), 'Bucket');
export const bucketPolicyLogicalId = (bucketName: string) => logicalId(pascal(bucketName), 'BucketPolicy');
/** The output that carries a bucket's deployed name: `UploadsBucketName`. */
export const bucketOutputId = (bucketName: string) => logicalId(pascal(bucketName), 'BucketName');
/** S3's permission to invoke one function for one bucket's notifications. */
export const bucketPermissionLogicalId = (functionName: string, bucketName: string) =>
  logicalId(`${pascal(functionName)}${pascal(bucketName)}`, 'ObjectsPermission');
