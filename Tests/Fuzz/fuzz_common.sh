# Sourced by every Tests/Fuzz/run_<name>.sh, so all libFuzzer harnesses follow one convention:
# bash; one argument, the seconds to run (default 60); the module sources and the harness are
# copied with their `import Latchkey...` lines stripped and compiled as one module with
# libFuzzer + ASan into .build/fuzz/<name>-fuzz; the corpus is .build/fuzz/<name>-corpus.
#   fuzz_corpus        the corpus directory (created), for the script's seeds
#   fuzz_build FILES   builds the fuzzer from FILES (globs expanded by the caller)
#   fuzz_run MAX_LEN   runs it for the given seconds on the corpus
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
fuzz_name="$(basename "$0" .sh)"
fuzz_name="${fuzz_name#run_}"
fuzz_secs="${1:-60}"
fuzz_work="$(mktemp -d)"
trap 'rm -rf "$fuzz_work"' EXIT
fuzz_corpus=".build/fuzz/$fuzz_name-corpus"
mkdir -p "$fuzz_work/src" "$fuzz_corpus"

fuzz_build() {
    local f
    for f in "$@"; do
        sed -E '/^import Latchkey[A-Za-z]+$/d' "$f" > "$fuzz_work/src/$(basename "$f")"
    done
    swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name Latchkey -module-name "Fuzz_$fuzz_name" \
        "$fuzz_work"/src/*.swift -o ".build/fuzz/$fuzz_name-fuzz"
}

fuzz_run() {
    ".build/fuzz/$fuzz_name-fuzz" -max_total_time="$fuzz_secs" -max_len="$1" "$fuzz_corpus"
}
