// The ceiling: the same read with a plain node:http server and the AWS SDK against dynalite.
import { createServer } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const server = createServer(async (req, res) => {
  const id = decodeURIComponent(req.url.split('/')[2] ?? '');
  const { Item } = await db.send(new GetCommand({ TableName: process.env.TABLE, Key: { id } }));
  res.writeHead(Item ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify(Item ?? { error: { code: 'not_found' } }));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () =>
  console.log(`Server ready: http://127.0.0.1:${process.env.PORT}`),
);
