/** The gRPC status code and details a call failed with; throws if the call succeeded. */
export async function statusOf(call: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await call;
  } catch (err) {
    const e = err as { code: number; details: string };
    return { code: e.code, details: e.details };
  }
  throw new Error('the call succeeded but was expected to fail');
}
