# Sourced by the scripts that build Go programs from the Go module proxy into a cache outside the
# repository (test/harness/testbin/build.sh, bench/server/notification-controller/build.sh).
#
#   cached_go_build <label> <out-dir> <build-function> <artifact>...
#
# Prints <out-dir> on its last line. When every artifact exists in <out-dir> it is reused;
# otherwise <build-function> is called with a temporary directory to fill, which then replaces
# <out-dir> in one rename, so an interrupted build never leaves a half-filled cache entry.
# `GO_BUILD_HINT` is added to the error when Go is missing.
cached_go_build() {
  local label="$1" out="$2" build="$3"
  shift 3
  local artifact missing=0
  for artifact in "$@"; do [[ -e "$out/$artifact" ]] || missing=1; done
  if (( missing == 0 )); then
    echo "$label: reusing $out" >&2
    echo "$out"
    return 0
  fi
  command -v go >/dev/null || { echo "$label: Go is required to build it${GO_BUILD_HINT:+ ($GO_BUILD_HINT)}" >&2; return 1; }
  echo "$label: building (several minutes the first time)" >&2
  local start tmp
  start=$(date +%s)
  tmp="$out.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # shellcheck disable=SC2064 # the path is fixed now, on purpose
  trap "rm -rf '$tmp'" EXIT
  "$build" "$tmp"
  rm -rf "$out"
  mv "$tmp" "$out"
  trap - EXIT
  echo "$label: built in $(( $(date +%s) - start ))s into $out" >&2
  echo "$out"
}
