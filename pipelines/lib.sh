# lib.sh — shell functions the pipelines' scripts share; sourced, not run:
#   . "$(dirname "$0")/lib.sh"

# json_num KEY: the number after "KEY": in JSON on standard input (the
# first one; nn-eval --json and nn-info's meta print one object a line).
json_num() { grep -o "\"$1\": [-0-9.eE+a-z]*" | head -n 1 | sed 's/.*: //'; }
# A number at 6 significant digits (%.6g, as nn-eval's text); not a number as it is
six_digits() { awk '{ if ($0 ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) printf "%.6g\n", $0; else print }'; }
