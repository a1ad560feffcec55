/**
 * The cold-start baseline of `npm run bench -- cold-start`: the least an API function of this service does, bundled
 * with the same esbuild settings as the deployed functions. It reads one item from DynamoDB (the client built on the
 * first request, as the real handlers build theirs) and answers JSON. No middleware, no validation, no domain code.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

let client: DynamoDBClient | undefined;

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  client ??= new DynamoDBClient({});
  const id = event.pathParameters?.['id'] ?? 'onprem';
  const out = await client.send(
    new GetItemCommand({ TableName: process.env['SERVERS_TABLE_NAME'], Key: { id: { S: id } } }),
  );
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ found: out.Item !== undefined }),
  };
};
