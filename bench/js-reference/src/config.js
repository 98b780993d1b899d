// Settings, baked in at build time from VITE_* variables (scripts/bench sets them for its
// stack); the defaults are the local stack's demo ports (stack/README.md).
const env = import.meta.env;
const origin = window.location.origin;

export const config = {
  issuer: env.VITE_OIDC_ISSUER || 'http://127.0.0.1:9090',
  clientId: env.VITE_OIDC_CLIENT_ID || 'pail-local',
  redirectUri: `${origin}/callback`,
  postLogoutRedirectUri: `${origin}/`,
  region: env.VITE_AWS_REGION || 'us-east-1',
  roleArn: env.VITE_ROLE_ARN || 'arn:aws:iam::123456789012:role/pail-web-user',
  sessionDurationSeconds: Number(env.VITE_SESSION_DURATION_SECONDS || 900),
  stsEndpoint: env.VITE_STS_ENDPOINT || 'http://127.0.0.1:9001',
  s3Endpoint: env.VITE_S3_ENDPOINT || 'http://127.0.0.1:9000',
  bucket: env.VITE_S3_BUCKET || 'pail-demo',
};
