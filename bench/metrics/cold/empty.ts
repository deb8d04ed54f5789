// Node's own start-up, for reference: a handler that imports nothing.
export async function handler() {
  return { statusCode: 204 };
}
