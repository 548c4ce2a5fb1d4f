# Sourced. private_apt DIR SUITE [ARCH] [updates]: sets the array APT to the apt-get/apt-cache options of
# a separate apt configuration kept in DIR: Debian's SUITE main, from the archive the machine's
# own sources name (LAB_MIRROR overrides it), signed by debian-archive-keyring (which holds the
# bookworm and trixie keys), with ARCH's packages (default: the machine's) and an empty dpkg
# status; with "updates", also SUITE-updates and SUITE-security (the security archive the
# machine's sources name, else deb.debian.org's), as the machine's own sources have them for
# bookworm. Its package lists are fetched the first time. The machine's apt sources, lists and
# status stay untouched. Used by compat/lab/host/prepare.sh (trixie's Xen stack) and
# compat/fetch-sysroot (bookworm's arm64 and armhf Xen libraries).
private_apt() {
  local dir=$1 suite=$2 arch=${3:-} updates=${4:-} mirror sec
  mirror=${LAB_MIRROR:-$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)}
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/sources.list.d"   # sourceparts: empty on purpose
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror:-http://deb.debian.org/debian} $suite main" > "$dir/sources.list"
  if [ "$updates" = updates ]; then
    sec=${LAB_SECURITY_MIRROR:-$(awk '/^URIs:/ && $2 ~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)}
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror:-http://deb.debian.org/debian} $suite-updates main" >> "$dir/sources.list"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${sec:-http://deb.debian.org/debian-security} $suite-security main" >> "$dir/sources.list"
  fi
  APT=(-o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts="$dir/sources.list.d"
       -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" -o Dir::State::status=/dev/null)
  [ -z "$arch" ] || APT+=(-o APT::Architecture="$arch" -o APT::Architectures::="$arch")
  ls "$dir"/lists/*_Packages* >/dev/null 2>&1 || apt-get "${APT[@]}" update >&2
}

# apt_download DIR PACKAGE...: `apt-get download` of the packages into DIR (emptied of debs
# first), with the options in APT (empty: the machine's apt); when some are missing (stale
# lists: a point release replaced the versions they name) it updates the lists and retries
# once. Fails, saying so, unless DIR then holds a deb for every package.
apt_download() {
  local dir=$1 n; shift
  mkdir -p "$dir"
  _apt_get() { (cd "$dir" && rm -f ./*.deb && apt-get "${APT[@]}" download -q "$@" 2>&1 | grep -v -e 'unsandboxed' -e '^Get:' >&2 || true); }
  _apt_get "$@"
  n=$(ls "$dir"/*.deb 2>/dev/null | wc -l)
  [ "$n" -ge $# ] || { apt-get "${APT[@]}" update >/dev/null 2>&1; _apt_get "$@"; n=$(ls "$dir"/*.deb 2>/dev/null | wc -l); }
  [ "$n" -ge $# ] || { echo "apt-get download got only $n of $# debs" >&2; return 1; }
}
