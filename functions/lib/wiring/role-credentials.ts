/**
 * The function's role, as Lambda's environment holds it: read on each call (it is cheap, and a
 * test may change it). Its own module, so the authorizer's bundle takes it without the SDK.
 */
export const roleCredentials = () => ({
  accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
  sessionToken: process.env.AWS_SESSION_TOKEN,
});
