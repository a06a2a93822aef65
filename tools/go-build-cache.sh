# Sourced by the scripts that build Go programs from the Go module proxy into a cache outside the
# repository (the build.sh files under test/harness/ and bench/server/notification-controller/).
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

# Sourced by the build.sh of a Go program pinned as a `tool` in the go.mod beside it (so that
# `go mod tidy` keeps the requirement), with its go.sum:
#
#   go_tool_build <label> <cache-root> <module> <package> [go build flags...]
#
# Builds <package> statically with trimmed paths (the flags of the upstream release builds) into
# <cache-root>/<version of module>-<key>, <key> hashing that build.sh, go.mod and go.sum; the binary
# is named after the package's last path element. A caller that needs more files next to it
# defines `after_build <out-dir>`. Prints the directory on its last line, as cached_go_build.
go_tool_build() {
  local label="$1" cache_root="$2" module="$3" package="$4"
  shift 4
  local dir version key
  dir="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
  version="$(go_tool_version "$module" "$dir")"
  key="$(cat "$dir/build.sh" "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16)"
  # Read by _go_tool_build_into through bash's dynamic scope.
  local -a go_tool_flags=("$@")
  local go_tool_dir="$dir" go_tool_package="$package"
  cached_go_build "$label $version" "$cache_root/$version-$key" _go_tool_build_into "${package##*/}"
}

# The version of <module> that <dir>/go.mod requires (default: the calling build.sh's folder).
go_tool_version() {
  local dir="${2:-$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)}"
  awk -v m="$1" '$1 == m { print $2 }' "$dir/go.mod" | head -n1
}

_go_tool_build_into() {
  (cd "$go_tool_dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath "${go_tool_flags[@]}" -o "$1/${go_tool_package##*/}" "$go_tool_package")
  if declare -F after_build >/dev/null; then after_build "$1"; fi
}
