# Shared shell helpers for bin/test and bin/zdd. Sourced, not run.

# Debian package that provides each command the project runs.
zdd_package_command() {
  case "$1" in
    haproxy) echo haproxy ;;
    iptables) echo iptables ;;
    iproute2) echo ip ;;
    wrk) echo wrk ;;
    prometheus) echo promtool ;;
    chromium) echo chromium ;;
    chromium-driver) echo chromedriver ;;
    systemd) echo systemd-analyze ;;
    *) echo "$1" ;;
  esac
}

zdd_require_java_maven() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  if [ ${#missing[@]} -gt 0 ]; then
    zdd_install_debian "${missing[@]}"
  fi
  local v
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  if [ -n "$v" ] && [ "$v" -lt 17 ]; then
    echo "zdd needs Java 17 or newer; 'java' is version $v (set JAVA_HOME/PATH)." >&2
    exit 1
  fi
}

# zdd_install_packages PKG...: install the Debian packages whose command is missing.
zdd_install_packages() {
  local missing=() p
  for p in "$@"; do
    command -v "$(zdd_package_command "$p")" >/dev/null 2>&1 \
      || [ -x "/usr/sbin/$(zdd_package_command "$p")" ] \
      || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    zdd_install_debian "${missing[@]}"
  fi
}

zdd_install_debian() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: $*" >&2
    echo "Install them first, as root:" >&2
    echo "  apt-get update && apt-get install -y $*" >&2
    exit 1
  fi
  echo "== installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
}

# Totals from every Surefire/Failsafe XML report, plus a plain "N passed, N failed" line.
zdd_print_test_summary() {
  local files
  files=$(find . -path '*/target/surefire-reports/TEST-*.xml' -o -path '*/target/failsafe-reports/TEST-*.xml' 2>/dev/null | sort)
  if [ -z "$files" ]; then
    echo "== no test reports found"
    return 0
  fi
  echo "== test summary (per module)"
  # shellcheck disable=SC2086
  awk '
    /<testsuite / {
      split(FILENAME, parts, "/"); mod = parts[2]; kind = (FILENAME ~ /failsafe/) ? "IT" : "unit";
      t = f = e = s = 0
      if (match($0, / tests="[0-9]+"/)) t = substr($0, RSTART + 8, RLENGTH - 9)
      if (match($0, / failures="[0-9]+"/)) f = substr($0, RSTART + 11, RLENGTH - 12)
      if (match($0, / errors="[0-9]+"/)) e = substr($0, RSTART + 9, RLENGTH - 10)
      if (match($0, / skipped="[0-9]+"/)) s = substr($0, RSTART + 10, RLENGTH - 11)
      key = mod " " kind; T[key] += t; F[key] += f + e; S[key] += s
      TT += t; TF += f + e; TS += s
      if (f + e > 0) bad[FILENAME] = 1
    }
    END {
      for (k in T) printf "   %-28s tests=%-5d failed=%-4d skipped=%d\n", k, T[k], F[k], S[k]
      for (b in bad) printf "   FAILED: %s\n", b
      printf "%d passed, %d failed, %d skipped\n", TT - TF - TS, TF, TS
    }' $files
}
