// The kit's own code: everything it exports, with its dependencies left out.
export * from '@gantry/middy';
export * from '@gantry/middy/dynamodb';
