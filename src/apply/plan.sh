# infrac plan, run on the host by `bash -c SCRIPT infrac-plan ROOT`.
# stdin: one "SHA256 PATH" line per file infrac generates for this host.
# stdout, one line per file:
#   same PATH MODE | new PATH | changed PATH MODE BASE64 | removed PATH BASE64
# where removed files are those infrac put there before (ROOT/var/lib/infrac/owned)
# and no longer generates.
set -eu
root=$1
owned="$root/var/lib/infrac/owned"
declare -A expected=()
while read -r hash path; do
    [ -n "$path" ] || continue
    expected["$path"]=1
    f="$root/$path"
    if [ ! -f "$f" ]; then
        echo "new $path"
        continue
    fi
    mode=$(stat -c %a "$f")
    if [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$hash" ]; then
        echo "same $path $mode"
    else
        echo "changed $path $mode $(base64 -w0 < "$f")"
    fi
done
if [ -f "$owned" ]; then
    while read -r path; do
        [ -n "$path" ] || continue
        if [ -z "${expected[$path]:-}" ] && [ -f "$root/$path" ]; then
            echo "removed $path $(base64 -w0 < "$root/$path")"
        fi
    done < "$owned"
fi
