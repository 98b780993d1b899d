// scripts/bench-upload builds into target/bench-upload/js (--outDir) and copies the files
// beside the Rust page: one flat directory, no assets/ folder, since bench/upload.mjs serves
// the page's files by name.
export default {
  base: './',
  build: { outDir: 'dist', assetsDir: '', emptyOutDir: true, target: 'es2022' },
};
