# Run by bench/dump (not on its own): ss's sockets as one JSON document,
# the way a script without sockwatch gets them, `ss -tan | jc --ss`.
set -eu
ss -tan | jc --ss
