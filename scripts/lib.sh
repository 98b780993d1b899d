# Shared by scripts/*: paths, tool locations, and the ports of the test stack.
# shellcheck shell=bash
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# Trunk finds the installed wasm-bindgen in ~/.cargo/bin and binaryen's wasm-opt 132 here
# (Debian's wasm-opt 108 produces a module that fails to instantiate).
export PATH="$REPO/stack/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "error: $*" >&2; exit 1; }

# The wasm-bindgen version the app links; the CLI must be exactly this version.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$REPO/Cargo.lock"
}

# Test stack: its own ports and state, so tests run beside a running demo. All ports derive
# from PAIL_TEST_PORT_BASE (default 19000), so two checkouts can test at the same time.
test_stack_env() {
  local base=${PAIL_TEST_PORT_BASE:-19000}
  export PAIL_STACK_DIR="$REPO/target/test-stack"
  export S3_PORT=$base STS_PORT=$((base + 1)) IDP_PORT=$((base + 2))
  export PAIL_TEST_APP_ORIGIN="http://127.0.0.1:$((base + 3))"
  export PAIL_TEST_RUNNER_ADDRESS="127.0.0.1:$((base + 4))"
  export PAIL_TEST_WEBDRIVER_PORT=$((base + 5))
  # The second configuration of the stack (another IdP, client, bucket, role and prefix).
  export IDP2_PORT=$((base + 6))
  # The fault-injecting proxy in front of S3 (stack/faultproxy.py).
  export S3_PROXY_PORT=$((base + 7))
  # Ceph RGW, the second store (stack/rgw/up): S3 and STS at +20, its STS CORS front at +21,
  # its monitor at +22, its daemons' messenger ports +30 to +60.
  export RGW_PORT=$((base + 20))
  export PAIL_STACK_ORIGINS="$PAIL_TEST_APP_ORIGIN,http://$PAIL_TEST_RUNNER_ADDRESS"
  # Short STS sessions are allowed so tests can watch credentials renew.
  export PAIL_STS_MIN_DURATION=15
}

# A .env for a build against the test stack; $1 = the app's origin, $2 = the file. The file is
# replaced only when its content changes: build.rs watches it, and a new mtime alone would make
# cargo rebuild the crate (a minute with LTO).
write_test_env() {
  local origin=$1 file=$2
  write_env_file "$file" "$(cat <<ENV
PAIL_OIDC_ISSUER=http://127.0.0.1:$IDP_PORT
PAIL_OIDC_CLIENT_ID=pail-local
PAIL_OIDC_REDIRECT_URI=$origin/callback
PAIL_OIDC_POST_LOGOUT_REDIRECT_URI=$origin/
PAIL_AWS_REGION=us-east-1
PAIL_ROLE_ARN=arn:aws:iam::123456789012:role/pail-web-user
PAIL_SESSION_DURATION_SECONDS=900
PAIL_STS_ENDPOINT=http://127.0.0.1:$STS_PORT
PAIL_S3_BUCKET=pail-demo
PAIL_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
PAIL_S3_FORCE_PATH_STYLE=true
PAIL_PREFIX_TEMPLATE=users/{sub}/
ENV
)"
}

# Writes $2 to the env file $1 only when it differs (build.rs watches the file).
write_env_file() {
  local file=$1
  mkdir -p "$(dirname "$file")"
  printf '%s\n' "$2" >"$file.new"
  if cmp -s "$file.new" "$file"; then rm "$file.new"; else mv "$file.new" "$file"; fi
}

# Background processes started by a script, stopped by PID on exit.
BG_PIDS=()
start_bg() { # log file, command...
  local log=$1; shift
  nohup "$@" </dev/null >"$log" 2>&1 &
  BG_PIDS+=($!)
}
stop_bg() {
  local pid
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  BG_PIDS=()
}
wait_http() { # url, seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  die "$1 did not answer within $2 s"
}

# Runs a command with its output in a log file; on failure shows the log's last lines and dies.
logged() { # log file, command...
  local log=$1; shift
  if ! "$@" >"$log" 2>&1; then
    echo "---- last lines of $log ----" >&2
    tail -n 30 "$log" >&2
    die "failed: $*"
  fi
}
