# Run by bench/dump (not on its own): ss's sockets as one JSON document,
# the way a script without sockwatch gets them, ss piped to jc --ss.  jc
# needs the Netid column, which ss prints only when it lists more than one
# kind of socket: -tu (the namespace holds no UDP socket).
set -eu
ss -tuan | jc --ss
