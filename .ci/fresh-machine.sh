# Source with a folder: PATH and fontconfig as on a learner's fresh machine, where neither
# Graphviz, Chromium nor a Hangul font is installed (this machine has all three for pass 2).
#   . .ci/fresh-machine.sh DIR    # DIR/bin: symlinks to every command on PATH but those
# The active venv's bin stays first. fontconfig reads DIR/fonts.conf, which names no font folder,
# so `fc-list :lang=ko` finds nothing (fontconfig is what microgradkr asks for a Hangul font).
fresh_dir=$1
mkdir -p "$fresh_dir/bin" "$fresh_dir/fontcache"
IFS=: read -r -a fresh_path <<<"$PATH"
for d in "${fresh_path[@]}"; do
  [ -d "$d" ] || continue
  [ -n "${VIRTUAL_ENV:-}" ] && [ "$d" = "$VIRTUAL_ENV/bin" ] && continue
  for f in "$d"/*; do
    [ -e "$f" ] || continue
    name=${f##*/}
    case $name in
      # Graphviz's programs, the browser and its driver: what a fresh machine lacks
      dot | neato | twopi | circo | fdp | sfdp | patchwork | osage | gvpr | gvpack | gvmap | \
        gc | acyclic | ccomps | sccmap | tred | unflatten | nop | gvcolor | dot_builtins | \
        chromium | chromium-browser | chromedriver | google-chrome*) continue ;;
    esac
    [ -e "$fresh_dir/bin/$name" ] || ln -s "$f" "$fresh_dir/bin/$name"
  done
done
cat >"$fresh_dir/fonts.conf" <<EOF
<?xml version="1.0"?>
<fontconfig><cachedir>$fresh_dir/fontcache</cachedir></fontconfig>
EOF
export FONTCONFIG_FILE="$fresh_dir/fonts.conf"
export PATH="${VIRTUAL_ENV:+$VIRTUAL_ENV/bin:}$fresh_dir/bin"
unset fresh_dir fresh_path d f name
