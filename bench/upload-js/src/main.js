// The JavaScript reference for scripts/bench-upload: the same protocol as the Rust page
// (bench/upload/src/lib.rs) — plan in the #fragment, the files on #files set by the runner,
// which then detaches (GET /go answers 200), events POSTed to /report — but the upload is
// done the usual JavaScript way: @aws-sdk/lib-storage's Upload with its defaults (5 MiB
// parts, 4 at once) and a CRC32 per part, each part read into an ArrayBuffer by the SDK.
import { S3Client, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { STSClient, AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { Upload } from '@aws-sdk/lib-storage';

const plan = JSON.parse(decodeURIComponent(location.hash.slice(1)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const memory = () => ({ wasm_bytes: 0, js_heap_bytes: performance.memory ? performance.memory.usedJSHeapSize : 0 });
const report = (event) =>
  fetch('/report', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) }).catch(() => {});

async function fileOfSize(size) {
  for (;;) {
    const file = [...(document.getElementById('files').files || [])].find((f) => f.size === size);
    if (file && (await fetch('/go').then((r) => r.status === 200, () => false))) return file;
    await sleep(200);
  }
}

async function run() {
  const sub = JSON.parse(atob(plan.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub;
  const sts = new STSClient({ region: plan.region, endpoint: plan.sts_endpoint });
  const { Credentials: c } = await sts.send(new AssumeRoleWithWebIdentityCommand({
    RoleArn: plan.role_arn, RoleSessionName: plan.user, WebIdentityToken: plan.token, DurationSeconds: 900,
  }));
  const s3 = new S3Client({
    region: plan.region, endpoint: plan.s3_endpoint, forcePathStyle: true,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  });
  const home = plan.prefix_template.replace('{sub}', sub);
  for (const size of plan.sizes) {
    await report({ event: 'fetching', size, memory: memory() });
    const file = await fileOfSize(size);
    await report({ event: 'fetched', size, memory: memory() });
    for (let run = 0; run < plan.runs; run++) {
      const transport = 'lib-storage';
      const key = `${home}bench-${transport}-${size}-${run}.bin`;
      await report({ event: 'start', size, transport, run, memory: memory() });
      const t0 = performance.now();
      let error = null;
      try {
        await new Upload({
          client: s3,
          params: { Bucket: plan.bucket, Key: key, Body: file, ChecksumAlgorithm: 'CRC32' },
        }).done();
      } catch (e) {
        error = `${e.name}: ${e.message}`;
      }
      const ms = performance.now() - t0;
      await report({ event: 'end', size, transport, run, ms, error, memory: memory(), exchanges: 1 });
      await s3.send(new DeleteObjectCommand({ Bucket: plan.bucket, Key: key })).catch(() => {});
      await sleep(300);
    }
  }
}

run()
  .catch((e) => report({ event: 'error', message: `${e.name}: ${e.message}` }))
  .finally(() => report({ event: 'done' }));
