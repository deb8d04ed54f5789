export const check = async () => ({ statusCode: 200, body: JSON.stringify({ ok: true }) });
