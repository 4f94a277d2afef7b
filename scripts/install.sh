#!/bin/sh
# Install the rocky binary: curl -fsSL <release-url>/install.sh | sh
#
# Release layout under $ROCKY_RELEASE_URL (any static HTTP server):
#   index.txt                 one version per line (1.10.0, 1.10.0-rc.1, ...); blank lines and '#' comments ignored
#   <version>/rocky-<os>-<arch>   the binary (os: linux, darwin; arch: x64, arm64)
#   <version>/SHA256SUMS      "<sha256>  <file>" lines, as written by `sha256sum` and scripts/build.ts
#
# Environment:
#   ROCKY_RELEASE_URL   where releases live (default below)
#   ROCKY_VERSION       install this version instead of the newest
#   ROCKY_PRERELEASE=1  let the newest pre-release (1.11.0-rc.1) win over the newest release
#   ROCKY_INSTALL_DIR   target folder (default: $HOME/.local/bin)
#   ROCKY_OS, ROCKY_ARCH  override the detected platform (linux|darwin, x64|arm64)
#
# "Newest" is semver order: 1.10.0 > 1.9.3, and a pre-release is older than its release.
set -eu

DEFAULT_RELEASE_URL="https://releases.rocky-data.dev/rocky"

err() {
	printf 'Error: %s\n' "$1" >&2
	if [ -n "${2:-}" ]; then printf 'hint: %s\n' "$2" >&2; fi
	exit 1
}
info() { printf '%s\n' "$*" >&2; }

detect_os() {
	if [ -n "${ROCKY_OS:-}" ]; then
		os=$ROCKY_OS
	else
		os=$(uname -s)
	fi
	case "$os" in
	Linux | linux)
		# The Linux binaries link against glibc; Alpine and other musl systems cannot run them.
		if [ -z "${ROCKY_OS:-}" ] && ls /lib/ld-musl-* >/dev/null 2>&1; then
			err "unsupported platform: Linux with musl libc (e.g. Alpine)" "use a glibc-based image (Debian, Ubuntu) or build from source"
		fi
		echo linux
		;;
	Darwin | darwin) echo darwin ;;
	MINGW* | MSYS* | CYGWIN* | Windows_NT | windows)
		err "this script does not install on Windows" "download rocky-windows-x64.exe from the release page"
		;;
	*) err "unsupported operating system: $os" "rocky ships for Linux and macOS (x64, arm64)" ;;
	esac
}

detect_arch() {
	if [ -n "${ROCKY_ARCH:-}" ]; then
		arch=$ROCKY_ARCH
	else
		arch=$(uname -m)
		# An x64 shell under Rosetta on Apple silicon should still get the native arm64 build.
		if [ "$arch" = "x86_64" ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = "1" ]; then
			arch=arm64
		fi
	fi
	case "$arch" in
	x86_64 | amd64 | x64) echo x64 ;;
	aarch64 | arm64) echo arm64 ;;
	*) err "unsupported CPU architecture: $arch" "rocky ships for x64 and arm64" ;;
	esac
}

# download URL FILE
download() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --retry 2 -o "$2" "$1" || err "download failed: $1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -O "$2" "$1" || err "download failed: $1"
	else
		err "neither curl nor wget is installed" "install one of them (e.g. 'apt-get install curl') and run this script again"
	fi
}

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | awk '{print $1}'
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$1" | awk '{print $1}'
	elif command -v openssl >/dev/null 2>&1; then
		openssl dgst -sha256 "$1" | awk '{print $NF}'
	else
		err "no SHA-256 tool found (sha256sum, shasum or openssl)" "install coreutils or openssl; rocky is never installed unverified"
	fi
}

# Print the newest version of the index on stdin, in semver order (2.0.0 > 1.10.0 > 1.10.0-rc.2 > 1.9.3).
# Pre-releases take part only when $1 is 1. Lines that are not versions are skipped.
newest_version() {
	awk -v pre="$1" '
	function isnum(s) { return s ~ /^[0-9]+$/ }
	# -1, 0 or 1 comparing dot-separated pre-release identifiers (semver 2.0.0, rule 11).
	function cmp_pre(a, b,   na, nb, x, y, i) {
		if (a == b) return 0
		if (a == "") return 1
		if (b == "") return -1
		na = split(a, x, "."); nb = split(b, y, ".")
		for (i = 1; i <= na && i <= nb; i++) {
			if (x[i] == y[i]) continue
			if (isnum(x[i]) && isnum(y[i])) return (x[i] + 0 < y[i] + 0) ? -1 : 1
			if (isnum(x[i])) return -1
			if (isnum(y[i])) return 1
			return (x[i] < y[i]) ? -1 : 1
		}
		return (na < nb) ? -1 : (na > nb ? 1 : 0)
	}
	function cmp(a, b,   pa, pb, ca, cb, xa, xb, i) {
		sub(/\+.*/, "", a); sub(/\+.*/, "", b)
		pa = index(a, "-"); pb = index(b, "-")
		ca = pa ? substr(a, 1, pa - 1) : a; cb = pb ? substr(b, 1, pb - 1) : b
		split(ca, xa, "."); split(cb, xb, ".")
		for (i = 1; i <= 3; i++) if (xa[i] + 0 != xb[i] + 0) return (xa[i] + 0 < xb[i] + 0) ? -1 : 1
		return cmp_pre(pa ? substr(a, pa + 1) : "", pb ? substr(b, pb + 1) : "")
	}
	{
		sub(/#.*/, ""); gsub(/[ \t\r]/, "")
		v = $0; sub(/^v/, "", v)
		if (v !~ /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/) next
		if (pre != "1" && v ~ /^[0-9.]+-/) next
		if (best == "" || cmp(v, bestv) > 0) { best = $0; bestv = v }
	}
	END { if (best != "") print best }
	'
}

main() {
	base=${ROCKY_RELEASE_URL:-$DEFAULT_RELEASE_URL}
	base=${base%/}
	install_dir=${ROCKY_INSTALL_DIR:-${HOME:?HOME is not set; set ROCKY_INSTALL_DIR}/.local/bin}
	os=$(detect_os)
	arch=$(detect_arch)
	asset="rocky-$os-$arch"

	tmp=$(mktemp -d 2>/dev/null || mktemp -d -t rocky-install)
	# Whatever happens, leave nothing half-downloaded behind.
	trap 'rm -rf "$tmp"' EXIT
	trap 'rm -rf "$tmp"; exit 130' INT TERM

	download "$base/index.txt" "$tmp/index.txt"
	if [ -n "${ROCKY_VERSION:-}" ]; then
		version=$ROCKY_VERSION
		if ! sed 's/#.*//; s/[[:space:]]//g' "$tmp/index.txt" | grep -qx -e "$version" -e "v$version"; then
			err "version $version is not in the release index $base/index.txt" "available: $(sed 's/#.*//' "$tmp/index.txt" | tr -s ' \r\t\n' ' ' | sed 's/^ *//; s/ *$//')"
		fi
	else
		version=$(newest_version "${ROCKY_PRERELEASE:-0}" <"$tmp/index.txt")
		[ -n "$version" ] || err "no release found in $base/index.txt" "set ROCKY_PRERELEASE=1 to accept pre-releases, or check ROCKY_RELEASE_URL"
	fi

	info "installing rocky $version ($asset) from $base"
	download "$base/$version/$asset" "$tmp/$asset"
	download "$base/$version/SHA256SUMS" "$tmp/SHA256SUMS"

	expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print tolower($1); exit }' "$tmp/SHA256SUMS")
	[ -n "$expected" ] || err "SHA256SUMS of $version has no entry for $asset" "the release is incomplete; nothing was installed"
	actual=$(sha256_of "$tmp/$asset")
	if [ "$actual" != "$expected" ]; then
		err "checksum mismatch for $asset $version: expected $expected, got $actual" "the download is corrupt or was tampered with; nothing was installed"
	fi

	mkdir -p "$install_dir" 2>/dev/null || err "cannot create $install_dir" "set ROCKY_INSTALL_DIR to a folder you can write"
	chmod 755 "$tmp/$asset"
	# Copy beside the target, then rename: a running rocky is never replaced by a half-written file.
	cp "$tmp/$asset" "$install_dir/.rocky.new.$$" 2>/dev/null || err "cannot write to $install_dir" "set ROCKY_INSTALL_DIR to a folder you can write"
	mv -f "$install_dir/.rocky.new.$$" "$install_dir/rocky"
	info "installed rocky $version to $install_dir/rocky"

	case ":${PATH:-}:" in
	*":$install_dir:"*) ;;
	*)
		info "warning: $install_dir is not on your PATH; add it, e.g.:"
		info "  export PATH=\"$install_dir:\$PATH\""
		;;
	esac
}

main "$@"
