# Sourced by .ci/run: run CI in named phases, some of them as concurrent jobs, and print the wall time
# of every phase and job when the run ends (also when it fails), so a slow step is visible in the log.

_CI_TIMES="$(mktemp)"
_CI_START=$SECONDS

_CI_JOBS="$_CI_TIMES.jobs"

# Free space on the disk that holds the checkout (and, in CI, Docker's images): a full disk fails an
# install minutes in, with pip's "No space left on device" (it did once, on a machine that other runs
# had filled); say so at the start instead, and how much the run used at its end.
_ci_free_gib() { df -Pk "${1:-.}" | awk 'NR == 2 { printf "%d", $4 / 1048576 }'; }
_CI_FREE_AT_START=$(_ci_free_gib)
# Measured: the venvs (Dockyard's, ADS's, the oci CLI's, MLflow's) 8.6 GB, Docker's images 9.5 GB.
_CI_DISK_NEEDED_GIB=20
echo "[ci] ${_CI_FREE_AT_START} GiB free on $(df -P . | awk 'NR == 2 { print $6 }'); a run from nothing uses about ${_CI_DISK_NEEDED_GIB}"
if [ "$_CI_FREE_AT_START" -lt "$_CI_DISK_NEEDED_GIB" ]; then
  echo "[ci] WARNING: less than ${_CI_DISK_NEEDED_GIB} GiB free: an install or an image build may fail with 'No space left on device'" >&2
fi

# phase NAME COMMAND...: run COMMAND, and record how long it took under NAME (failed or not).
phase() {
  local name=$1 started=$SECONDS status=0
  shift
  echo "[ci] == $name"
  "$@" || status=$?
  printf '%s\t%s\n' "$name" $((SECONDS - started)) >>"$_CI_TIMES"
  if [ -f "$_CI_JOBS" ]; then cat "$_CI_JOBS" >>"$_CI_TIMES" && rm -f "$_CI_JOBS"; fi
  return $status
}

# concurrently NAME=COMMAND...: run each shell COMMAND as a background job, its output prefixed with
# [NAME]; wait for all of them and fail if any failed. Each job's own time is recorded as "  NAME".
concurrently() {
  local spec names=() pids=() failed=0 i
  for spec in "$@"; do
    names+=("${spec%%=*}")
    (
      set +e -o pipefail
      started=$SECONDS
      bash -c "${spec#*=}" 2>&1 | sed -u "s/^/[${spec%%=*}] /"
      status=$?
      printf '  %s\t%s\n' "${spec%%=*}" $((SECONDS - started)) >>"$_CI_JOBS"
      exit $status
    ) &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      echo "[ci] ${names[$i]} failed (its lines are prefixed [${names[$i]}])" >&2
      failed=1
    fi
  done
  return $failed
}

_ci_report() {
  local status=$?
  echo
  echo "[ci] wall time of each phase (jobs of a concurrent phase indented):"
  while IFS=$'\t' read -r name seconds; do
    printf '[ci]   %-36s %4dm %02ds\n' "$name" $((seconds / 60)) $((seconds % 60))
  done <"$_CI_TIMES"
  local total=$((SECONDS - _CI_START))
  printf '[ci]   %-36s %4dm %02ds  (exit %d)\n' "total" $((total / 60)) $((total % 60)) "$status"
  echo "[ci] disk: ${_CI_FREE_AT_START} GiB free at the start, $(_ci_free_gib) GiB at the end"
  rm -f "$_CI_TIMES" "$_CI_JOBS"
}
trap _ci_report EXIT
