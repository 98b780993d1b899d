// CRC-32 (ISO-HDLC, S3's "CRC32") of slices of a Blob, in a Web Worker so that the page's main
// thread stays free while gigabytes are summed. Started by src/platform/crc.rs from a Blob URL
// (the source is compiled into the app; there is no file to serve).
//
// In:  { id, blob, start, end }      (a Blob crosses to the worker as a handle, not a copy)
// Out: { id, crc }  or  { id, error }
//
// The slice is read as a byte stream into one reused 1 MiB buffer (a BYOB reader), so the worker
// holds that buffer and nothing else, whatever the part size — no garbage piling up until the
// next GC (measured: default-reader chunks added ~200 MiB to the page during a 256 MiB upload).
// Slicing-by-16 tables: about 1 GB/s in V8 on one core.
'use strict';

const T = new Int32Array(16 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[i] = c;
}
for (let i = 0; i < 256; i++) {
  for (let t = 1; t < 16; t++) T[t * 256 + i] = (T[(t - 1) * 256 + i] >>> 8) ^ T[T[(t - 1) * 256 + i] & 255];
}

// `crc` is the running register (inverted); returns it updated with `bytes`.
function update(crc, bytes) {
  let i = 0;
  const n = bytes.length;
  // Bytes one at a time until 4-aligned, then 16 at a time through a 32-bit view.
  for (; i < n && (bytes.byteOffset + i) % 4 !== 0; i++) crc = T[(crc ^ bytes[i]) & 255] ^ (crc >>> 8);
  const words = (n - i) >>> 4 << 2;
  if (words > 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let j = 0; j < words; j += 4) {
      const a = w[j] ^ crc, b = w[j + 1], c = w[j + 2], d = w[j + 3];
      crc = T[3840 + (a & 255)] ^ T[3584 + ((a >>> 8) & 255)] ^ T[3328 + ((a >>> 16) & 255)] ^ T[3072 + (a >>> 24)]
        ^ T[2816 + (b & 255)] ^ T[2560 + ((b >>> 8) & 255)] ^ T[2304 + ((b >>> 16) & 255)] ^ T[2048 + (b >>> 24)]
        ^ T[1792 + (c & 255)] ^ T[1536 + ((c >>> 8) & 255)] ^ T[1280 + ((c >>> 16) & 255)] ^ T[1024 + (c >>> 24)]
        ^ T[768 + (d & 255)] ^ T[512 + ((d >>> 8) & 255)] ^ T[256 + ((d >>> 16) & 255)] ^ T[d >>> 24];
    }
    i += words * 4;
  }
  for (; i < n; i++) crc = T[(crc ^ bytes[i]) & 255] ^ (crc >>> 8);
  return crc;
}

const CHUNK = 1 << 20;
let buffer = new ArrayBuffer(CHUNK);

async function crcOf(blob) {
  const stream = blob.stream();
  let crc = -1;
  let byob = null;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch (_) {
    // Not a byte stream in this browser: chunks as they come.
  }
  if (byob) {
    for (;;) {
      const { done, value } = await byob.read(new Uint8Array(buffer, 0, CHUNK));
      // The buffer was transferred to the stream and comes back in `value`.
      if (value) buffer = value.buffer;
      if (done) break;
      crc = update(crc, value);
    }
  } else {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      crc = update(crc, value);
    }
  }
  return ~crc >>> 0;
}

async function answer({ id, blob, start, end }) {
  try {
    self.postMessage({ id, crc: await crcOf(blob.slice(start, end)) });
  } catch (e) {
    // NotReadableError: the file changed or vanished after it was chosen.
    self.postMessage({ id, error: e && e.name ? `${e.name}: ${e.message}` : String(e) });
  }
}

// One slice at a time: they share the buffer.
let queue = Promise.resolve();
self.onmessage = (event) => {
  queue = queue.then(() => answer(event.data));
};
