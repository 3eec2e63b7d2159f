# shellcheck shell=bash
# infrac's side on a host: `bash -c SCRIPT infrac-host MODE ROOT [PROOF_TIMEOUT]`.
# Needs bash, coreutils and flock (util-linux): nothing else.
#
# State, under ROOT/var/lib/infrac:
#   owned   "RELOAD PATH" per file infrac put there (RELOAD `-` for none)
#   lock    held (flock) while an apply or rollback runs
#   txn/    the apply in progress: backup/ (old files), created (paths that
#           did not exist), reloads (names), old-build (the proof before)
#   last/   the last committed apply, the same shape: what `rollback` undoes
# Renaming txn/ to last/ is the commit. A txn/ found on arrival is an
# apply that was killed: it is rolled back before anything else happens,
# and its reloads rerun, so every file is whole and what is loaded is what
# is on disk.
#
# MODE plan [wait]: stdin "SHA FLAG PATH" per generated file (FLAG `s` for a
#                secret: its content never leaves the host). Prints
#                `pending` when an apply was interrupted, then per file:
#                same PATH MODE OWNER | new PATH | changed PATH MODE OWNER [B64]
#                | removed PATH RELOAD [B64]
# MODE apply:    stdin, then `end` (a cut-off transfer changes nothing):
#                  file SHA MODE OWNER RELOAD FLAG PATH [B64]  every generated
#                                      file (FLAG `s`: holds secrets); B64 when sent
#                  reload NAME B64(VALIDATE|-) B64(COMMAND) in the order they run
#                  proof PORT PATH BUILD
#                  need B64(WHAT) PATH                      a file that must exist
#                Prints `step …` lines as it goes; exits 0 done (or nothing to
#                do), 3 validation failed, 4 reload or write failed, 5 proof
#                failed, 6 the host changed since plan, 7 bad input, 8 lock
#                timeout. `write-failed PATH B64(ERROR)` names a file that
#                could not be written; `proxy-not-running NAME PORT` a proxy
#                that was not running to reload.
# MODE rollback: restores last/ and reloads (a pool member rolled back
#                after a later member failed).
set -u
mode=$1
root=${2%/}
proof_timeout=${3:-10}
state="$root/var/lib/infrac"
owned="$state/owned"
owned_rel="var/lib/infrac/owned"

say() { printf '%s\n' "$*" 2>/dev/null || true; }

# Removes a transaction folder in one step (a half-removed journal would
# undo half a transaction).
drop_txn() { # DIR
    mv "$1" "$state/dropped.$$" && rm -rf "$state/dropped.$$"
}

# Test hook, inert unless the tests' ssh sets INFRAC_TEST_KILL_AT=N:HOW
# or N:HOW:R (`SetEnv`; their sshd accepts it): at the Nth checkpoint of
# an apply (with R, of the Rth apply since the test removed
# `$state/test-runs`), `script` kills this script, leaving
# `$state/test-killed`; `pause` waits until the test, which killed the
# client or its ssh meanwhile, removes `$state/test-paused`.
checkpoints=0
test_run=
checkpoint() {
    [ -n "${INFRAC_TEST_KILL_AT:-}" ] || return 0
    local how=${INFRAC_TEST_KILL_AT#*:}
    checkpoints=$((checkpoints + 1))
    if [ "$how" != "${how#*:}" ]; then
        if [ "$checkpoints" = 1 ]; then
            test_run=$(($(cat "$state/test-runs" 2>/dev/null || echo 0) + 1))
            echo "$test_run" > "$state/test-runs"
        fi
        [ "$test_run" = "${how#*:}" ] || return 0
        how=${how%%:*}
    fi
    [ "$checkpoints" = "${INFRAC_TEST_KILL_AT%%:*}" ] || return 0
    case $how in
        script)
            : > "$state/test-killed"
            kill -9 $$
            ;;
        pause)
            : > "$state/test-paused"
            local i=0
            while [ -e "$state/test-paused" ] && [ "$i" -lt 500 ]; do
                sleep 0.01
                i=$((i + 1))
            done
            ;;
    esac
}

# Once started, a run finishes (or undoes) its work even if the client
# goes away; it must not die half-way on a closed pipe.
trap '' PIPE HUP

# stdin to a file first (bash reads a pipe a byte at a time), a file that
# is unlinked the moment it is opened: a run killed at any point leaves no
# copy of the request (file contents, secrets) behind. An apply's request
# is spooled in the state folder (root's alone), a plan's (hashes only) in
# the temporary folder.
if [ "$mode" = plan ]; then
    spool=$(mktemp)
else
    mkdir -p "$state" && chmod 700 "$state"
    spool="$state/request.$$"
fi
# shellcheck disable=SC2094 # two descriptors: the reader starts at 0
exec 3>"$spool" 4<"$spool"
rm -f "$spool"
cat >&3
exec 3>&- 0<&4 4<&-
[ "$mode" = apply ] && checkpoint

# live_hash[PATH] and live_meta[PATH] ("MODE OWNER", OWNER `-` unless root)
# for those of the given paths that are files, in two commands.
declare -A live_hash=() live_meta=()
scan() {
    local -a files=()
    local p h m
    for p in "$@"; do
        [ -f "$root/$p" ] && files+=("$p")
    done
    [ ${#files[@]} -gt 0 ] || return 0
    while read -r h p; do
        live_hash[$p]=$h
    done < <(cd "$root" && printf '%s\0' "${files[@]}" | xargs -0 sha256sum)
    while read -r p m; do
        [ "$(id -u)" = 0 ] || m="${m%% *} -"
        live_meta[$p]=$m
    done < <(cd "$root" && printf '%s\0' "${files[@]}" | xargs -0 stat -c '%n %a %U:%G')
}

# "MODE OWNER" as scan reports it, for the manifest's mode and owner.
meta_of() { # MODE OWNER
    if [ "$(id -u)" = 0 ]; then
        printf '%o %s' "$((8#$1))" "$2"
    else
        printf '%o -' "$((8#$1))"
    fi
}

# The build id the proxy answers on loopback, or nothing.
probe() { # PORT PATH
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n" "$2" "$1" >&3
        cat <&3' probe "$1" "$2" 2>/dev/null | tail -n 1 | tr -d '\r\n'
}

# Asks the probe until it answers WANT or PROOF_TIMEOUT seconds pass;
# prints its last answer.
prove() { # PORT PATH WANT
    local live="" end=$(($(date +%s) + proof_timeout))
    while :; do
        live=$(probe "$1" "$2")
        [ "$live" = "$3" ] && break
        [ "$(date +%s)" -lt "$end" ] || break
        sleep 0.02
    done
    printf '%s' "$live"
}

# Runs COMMAND; when it fails, prints `KIND NAME B64` with its output and
# exit status.
run() { # KIND NAME COMMAND
    local out rc=0
    out=$(bash -c "$3" 2>&1) || rc=$?
    [ "$rc" = 0 ] && return 0
    say "$1 $2 $(printf '%s\n(exit status %s)' "$out" "$rc" | base64 -w0)"
    return 1
}

# want[PATH]: the hash of each file the build has. dropped[PATH]: the
# reload of each file infrac owned that the build no longer has.
declare -A want=() dropped=()
find_dropped() {
    [ -f "$owned" ] || return 0
    local reload path
    while read -r reload path; do
        [ -n "$path" ] || continue
        [ -z "${want[$path]:-}" ] && dropped[$path]=$reload
    done < "$owned"
}

hash_of() { sha256sum < "$1" | cut -d' ' -f1; }

if [ "$mode" = plan ]; then
    # `plan ROOT wait`: after the lock, so that an apply still running (its
    # client gone) has finished and what is on disk is what it left.
    if [ -f "$state/lock" ]; then
        exec 9>>"$state/lock"
        if [ "${3:-}" = wait ]; then
            flock -w 120 9 || true
        fi
        # No apply running: tidy what a killed one left (its request's
        # files may hold secrets), even when there is nothing to apply.
        if flock -n 9; then
            rm -rf "$state/incoming" "$state"/dropped.* "$state"/request.*
            flock -u 9
        fi
    fi
    [ -d "$state/txn" ] && say pending
    declare -A secret=()
    declare -a paths=()
    while read -r hash flag path; do
        [ -n "$path" ] || continue
        # A file the build needs and does not write (a certificate):
        # its absolute path, said when it is missing.
        if [ "$hash" = exists ]; then
            [ -e "$path" ] || say "missing $path"
            continue
        fi
        want[$path]=$hash
        secret[$path]=$flag
        paths+=("$path")
    done
    find_dropped
    scan "${paths[@]}" "${!dropped[@]}"
    for path in "${paths[@]}"; do
        if [ -z "${live_hash[$path]:-}" ]; then
            say "new $path"
        elif [ "${live_hash[$path]}" = "${want[$path]}" ]; then
            say "same $path ${live_meta[$path]}"
        elif [ "${secret[$path]}" = s ]; then
            say "changed $path ${live_meta[$path]}"
        else
            say "changed $path ${live_meta[$path]} $(base64 -w0 < "$root/$path")"
        fi
    done
    for path in "${!dropped[@]}"; do
        if [ -n "${live_hash[$path]:-}" ]; then
            say "removed $path ${dropped[$path]} $(base64 -w0 < "$root/$path")"
        fi
    done
    exit 0
fi

# Puts the files of transaction folder $1 back as they were before it.
restore() {
    local d=$1 p
    # A write cut off half-way leaves its `.infrac-new` beside the file.
    if [ -f "$d/touched" ]; then
        while read -r p; do
            [ -n "$p" ] && rm -f "$root/$p.infrac-new"
        done < "$d/touched"
    fi
    if [ -f "$d/created" ]; then
        while read -r p; do
            [ -n "$p" ] && rm -f "$root/$p" "$root/$p.infrac-new"
        done < "$d/created"
    fi
    if [ -d "$d/backup" ]; then
        (cd "$d/backup" && find . -type f ! -name '*.infrac-tmp' -printf '%P\n') | while read -r p; do
            mkdir -p "$(dirname "$root/$p")"
            # Over a whole file, never into one: a half-copied file is
            # never at the live path.
            if ! { cp -p "$d/backup/$p" "$root/$p.infrac-new" && mv -fT "$root/$p.infrac-new" "$root/$p"; }; then
                rm -f "$root/$p.infrac-new"
            fi
        done
    fi
}

# Reruns the reloads of transaction folder $1 (after restoring it), and
# proves the proxy is back on the build it had before.
reload_restored() {
    local d=$1 name ok=0 port path old_build
    [ -f "$d/reloads" ] || return 0
    while read -r name; do
        [ -n "$name" ] || continue
        run restore-reload-failed "$name" "$(cat "$d/cmd-$name")" || ok=1
    done < "$d/reloads"
    if [ -s "$d/old-build" ] && [ -f "$d/proof" ]; then
        read -r port path < "$d/proof"
        old_build=$(cat "$d/old-build")
        if [ "$(prove "$port" "$path" "$old_build")" != "$old_build" ]; then
            say "restore-proof-failed $old_build"
            ok=1
        fi
    fi
    return "$ok"
}

# Backups may hold secrets (env files): the state is root's alone.
mkdir -p "$state" && chmod 700 "$state"
exec 9>>"$state/lock"
if ! flock -n 9; then
    say "waiting for another apply on this host"
    # Seen by the apply that holds the lock: it will say its build may be
    # replaced by this one.
    : > "$state/waiting.$$"
    if ! flock -w 120 9; then
        rm -f "$state/waiting.$$"
        say "lock-timeout"
        exit 8
    fi
    rm -f "$state/waiting.$$"
fi

# What a run killed before its end left: a request being read, a journal
# being dropped, the files of a request (which may hold secrets).
rm -rf "$state/incoming" "$state"/dropped.* "$state"/request.*
[ "$mode" = apply ] && checkpoint

if [ "$mode" = rollback ]; then
    if [ ! -d "$state/last" ]; then
        say "nothing to roll back"
        exit 0
    fi
    restore "$state/last"
    if reload_restored "$state/last"; then
        drop_txn "$state/last"
        say "rolled-back"
        exit 0
    fi
    drop_txn "$state/last"
    exit 4
fi

# An apply that was killed: put back what it had changed. (A kill between
# the commit and the end leaves only last/ and the leftovers above.)
if [ -d "$state/txn" ]; then
    restore "$state/txn"
    reload_restored "$state/txn" || true
    drop_txn "$state/txn"
    say "recovered an interrupted apply"
fi
checkpoint

# Read the whole request before touching anything.
incoming="$state/incoming"
rm -rf "$incoming"
mkdir -p "$incoming"
trap 'rm -rf "$incoming"' EXIT
declare -a paths=() reload_names=() needs=()
declare -A fmode=() fowner=() freload=() fsecret=() sent=() validate=() command=()
proof_port="" proof_path="" proof_build=""
complete=0
n=0
while read -r kind a b c d e f g; do
    case $kind in
        file)
            # FLAG PATH [B64] are e f g.
            fsecret[$f]=$e
            e=$f; f=$g
            paths+=("$e")
            want[$e]=$a; fmode[$e]=$b; fowner[$e]=$c; freload[$e]=$d
            if [ -n "$f" ]; then
                n=$((n + 1))
                if ! err=$(printf '%s' "$f" | base64 -d 2>&1 > "$incoming/$n"); then
                    rm -rf "$incoming"
                    say "write-failed var/lib/infrac/incoming $(printf 'storing the request: %s' "$err" | base64 -w0)"
                    exit 7
                fi
                if [ "$(hash_of "$incoming/$n")" != "$a" ]; then
                    say "bad-input content of $e does not match its hash"
                    exit 7
                fi
                sent[$e]="$incoming/$n"
            fi
            ;;
        reload)
            reload_names+=("$a")
            if [ "$b" = - ]; then validate[$a]=-; else validate[$a]=$(printf '%s' "$b" | base64 -d); fi
            command[$a]=$(printf '%s' "$c" | base64 -d)
            ;;
        proof) proof_port=$a; proof_path=$b; proof_build=$c ;;
        need) needs+=("$(printf '%s' "$a" | base64 -d)	$b") ;;
        end) complete=1; break ;;
        *) say "bad-input $kind"; exit 7 ;;
    esac
done
if [ "$complete" != 1 ]; then
    say "bad-input the request was cut off; nothing was changed"
    exit 7
fi
checkpoint

# Leftovers of a write that was cut off.
for p in "${paths[@]}" "$owned_rel"; do
    rm -f "$root/$p.infrac-new"
done

# What differs, now that the lock is held.
declare -a install=() chmods=() removes=()
declare -A needed=()
find_dropped
scan "${paths[@]}" "${!dropped[@]}"
for p in "${paths[@]}"; do
    if [ "${live_hash[$p]:-}" = "${want[$p]}" ]; then
        if [ "${live_meta[$p]}" != "$(meta_of "${fmode[$p]}" "${fowner[$p]}")" ]; then
            chmods+=("$p")
        fi
        continue
    fi
    if [ -z "${sent[$p]:-}" ]; then
        say "host-changed $p"
        exit 6
    fi
    install+=("$p")
    [ "${freload[$p]}" != - ] && needed[${freload[$p]}]=1
done
for p in "${!dropped[@]}"; do
    if [ -n "${live_hash[$p]:-}" ]; then
        removes+=("$p")
        [ "${dropped[$p]}" != - ] && needed[${dropped[$p]}]=1
    fi
done
new_owned="$incoming/owned"
for p in "${paths[@]}"; do
    printf '%s %s\n' "${freload[$p]}" "$p"
done > "$new_owned"
owned_changes=1
[ -f "$owned" ] && cmp -s "$owned" "$new_owned" && owned_changes=0

for entry in "${needs[@]}"; do
    what=${entry%%	*}
    path=${entry#*	}
    if [ ! -e "$path" ]; then
        say "need-missing $(printf '%s is missing on the host: %s' "$path" "$what" | base64 -w0)"
        exit 3
    fi
done

if [ ${#install[@]} -eq 0 ] && [ ${#chmods[@]} -eq 0 ] && [ ${#removes[@]} -eq 0 ] && [ "$owned_changes" = 0 ]; then
    say "up-to-date"
    exit 0
fi

# The transaction: journal first, then the files.
checkpoint
txn="$state/txn"
mkdir -p "$txn/backup"
: > "$txn/created"
order=()
for name in "${reload_names[@]}"; do
    if [ -n "${needed[$name]:-}" ]; then
        order+=("$name")
        printf '%s' "${command[$name]}" > "$txn/cmd-$name"
    fi
done
printf '%s\n' "${order[@]}" > "$txn/reloads"
proxy_reloaded=0
for name in "${order[@]}"; do
    case $name in caddy|nginx) proxy_reloaded=1 ;; esac
done
if [ "$proxy_reloaded" = 1 ] && [ -n "$proof_port" ]; then
    printf '%s %s\n' "$proof_port" "$proof_path" > "$txn/proof"
    probe "$proof_port" "$proof_path" > "$txn/old-build"
fi
backup() {
    if [ -f "$root/$1" ]; then
        mkdir -p "$(dirname "$txn/backup/$1")"
        cp -p "$root/$1" "$txn/backup/$1.infrac-tmp" &&
            mv "$txn/backup/$1.infrac-tmp" "$txn/backup/$1"
    else
        printf '%s\n' "$1" >> "$txn/created"
    fi
}
printf '%s\n' "${install[@]}" "${chmods[@]}" "${removes[@]}" "$owned_rel" > "$txn/touched"
checkpoint
for p in "${install[@]}" "${chmods[@]}" "${removes[@]}" "$owned_rel"; do
    backup "$p"
    checkpoint
done
sync -f "$txn" 2>/dev/null || true

# Runs a file operation on PATH; when it fails, says which file and the
# system's reason, and removes a half-written `.infrac-new`.
on_file() { # PATH COMMAND…
    local p=$1 err
    shift
    if ! err=$("$@" 2>&1); then
        rm -f "$root/$p.infrac-new"
        say "write-failed $p $(printf '%s' "$err" | base64 -w0)"
        return 1
    fi
}
# shellcheck disable=SC2317 # called through on_file
put() { # SOURCE PATH MODE OWNER
    mkdir -p "$(dirname "$root/$2")" &&
        cp "$1" "$root/$2.infrac-new" &&
        chmod "$3" "$root/$2.infrac-new" &&
        { [ "$(id -u)" != 0 ] || chown "$4" "$root/$2.infrac-new"; } &&
        mv -fT "$root/$2.infrac-new" "$root/$2"
}
# shellcheck disable=SC2317 # called through on_file
chmod_own() { # PATH MODE OWNER
    chmod "$2" "$root/$1" && { [ "$(id -u)" != 0 ] || chown "$3" "$root/$1"; }
}
failed=0
for p in "${install[@]}"; do
    on_file "$p" put "${sent[$p]}" "$p" "${fmode[$p]}" "${fowner[$p]}" || { failed=1; break; }
    checkpoint
done
if [ "$failed" = 0 ]; then
    for p in "${chmods[@]}"; do
        on_file "$p" chmod_own "$p" "${fmode[$p]}" "${fowner[$p]}" || { failed=1; break; }
    done
fi
if [ "$failed" = 0 ]; then
    for p in "${removes[@]}"; do
        on_file "$p" rm -f "$root/$p" || { failed=1; break; }
        checkpoint
    done
fi
if [ "$failed" = 0 ]; then
    on_file "$owned_rel" put "$new_owned" "$owned_rel" 0644 "$(id -un):$(id -gn)" || failed=1
fi
if [ "$failed" = 1 ]; then
    restore "$txn"
    drop_txn "$txn"
    exit 4
fi
say "step swapped ${#install[@]} ${#chmods[@]} ${#removes[@]}"
checkpoint

# Check the files in place: nothing has reloaded yet, so the old
# configuration is still what runs.
for name in "${order[@]}"; do
    check=${validate[$name]}
    [ "$check" = - ] && continue
    if ! run validate-failed "$name" "$check"; then
        restore "$txn"
        drop_txn "$txn"
        exit 3
    fi
done
say "step validated"
checkpoint

undo() {
    restore "$txn"
    reload_restored "$txn"
    drop_txn "$txn"
}
for name in "${order[@]}"; do
    if ! run reload-failed "$name" "${command[$name]}"; then
        case $name in
            caddy|nginx)
                # Nothing answered the probe before: the proxy was not
                # running, so there is nothing to reload back either.
                if [ -n "$proof_port" ] && [ ! -s "$txn/old-build" ] &&
                    [ -z "$(probe "$proof_port" "$proof_path")" ]; then
                    say "proxy-not-running $name $proof_port"
                    restore "$txn"
                    drop_txn "$txn"
                    exit 4
                fi
                ;;
        esac
        undo
        exit 4
    fi
    say "step reloaded $name"
    checkpoint
done

if [ "$proxy_reloaded" = 1 ] && [ -n "$proof_port" ]; then
    live=$(prove "$proof_port" "$proof_path" "$proof_build")
    if [ "$live" != "$proof_build" ]; then
        say "proof-failed $(printf '%s' "$live" | head -c 200 | base64 -w0) $proof_build"
        undo
        exit 5
    fi
    say "step proved $proof_build"
fi
checkpoint

# Committed: the old copies of files that hold secrets go (last/ keeps no
# secret; rolling back leaves the new secret file in place).
for p in "${install[@]}" "${chmods[@]}" "${removes[@]}"; do
    [ "${fsecret[$p]:-}" = s ] && rm -f "$txn/backup/$p"
done
[ -d "$state/last" ] && drop_txn "$state/last"
checkpoint
mv "$txn" "$state/last"
checkpoint
say "applied"
# Another apply is waiting for the lock: what it brings replaces this.
if compgen -G "$state/waiting.*" > /dev/null; then
    say "queued another apply is waiting on this host"
fi
exit 0
