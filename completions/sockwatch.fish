# fish completion for sockwatch
set -l commands monitor dump watch leaks kill metrics states stack lab
set -l scenarios connect accept close-active close-passive half-close simultaneous-open simultaneous-close no-final-ack lost-last-ack time-wait-reuse rst leak
# The shared options and filter words are not those of stack and lab.
set -l shared 'not __fish_seen_subcommand_from stack lab'
set -l stack '__fish_seen_subcommand_from stack'
set -l lab '__fish_seen_subcommand_from lab'
set -l states established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait closed close-wait last-ack listen closing all connected synchronized bucket big opening closing-states
complete -c sockwatch -f
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a monitor -d 'the live monitor'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a dump -d 'print the TCP sockets once'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a watch -d 'stream state transitions'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a leaks -d 'CLOSE-WAIT leaks and orphans'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a kill -d 'close connections (ss -K)'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a metrics -d 'Prometheus metrics'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a states -d 'explain the eleven TCP states'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a stack -d 'drive a kernel socket through the states'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a lab -d "create or remove the stack mode's namespaces"
complete -c sockwatch -n "__fish_seen_subcommand_from states" -a "$states"
complete -c sockwatch -n "$shared" -a "$states state exclude sport dport port src dst addr process comm pid uid netns and or not"
complete -c sockwatch -n "$shared" -s n -l numeric -d 'port numbers, not service names'
complete -c sockwatch -n "$shared" -s 4 -l ipv4 -d 'IPv4 only'
complete -c sockwatch -n "$shared" -s 6 -l ipv6 -d 'IPv6 only'
complete -c sockwatch -n "$shared" -s a -l all -d 'every state'
complete -c sockwatch -n "$shared" -s l -l listening -d 'listeners only'
complete -c sockwatch -n "$shared" -s i -l info -d 'tcp_info figures'
complete -c sockwatch -n "$shared" -s m -l memory -d 'socket memory'
complete -c sockwatch -n "$shared" -s p -l processes -d 'owning process'
complete -c sockwatch -n "$shared" -l json -d 'one JSON document'
complete -c sockwatch -n "$shared" -l jsonl -d 'JSON lines'
complete -c sockwatch -n "$shared" -l csv -d 'comma-separated values'
complete -c sockwatch -n "$shared" -l prometheus -d 'Prometheus text format'
complete -c sockwatch -n "$shared" -l summary -d 'a count per state'
complete -c sockwatch -n "$shared" -s H -l no-header -d 'no header line'
complete -c sockwatch -n "$shared" -l sort -x -a 'state local peer sport dport recvq sendq' -d 'sort key'
complete -c sockwatch -n "$shared" -s r -l reverse -d 'reverse the sort'
complete -c sockwatch -n "$shared" -l interval -x -d 'time between polls'
complete -c sockwatch -n "$shared" -l count -x -d 'stop after N events'
complete -c sockwatch -n "$shared" -l duration -x -d 'stop after this long'
complete -c sockwatch -n "$shared" -l netns -x -a '(command ls /run/netns 2>/dev/null)' -d 'this network namespace'
complete -c sockwatch -n "$shared" -l all-netns -d 'every network namespace'
complete -c sockwatch -n "$shared" -l watch -d 'leaks: keep observing'
complete -c sockwatch -n "$shared" -l min-age -x -d 'leaks: leave out younger sockets'
complete -c sockwatch -n "$shared" -l fail-over -x -d 'leaks: exit 3 above N'
complete -c sockwatch -n "$shared" -l yes -d 'kill: close without asking'
complete -c sockwatch -n "$shared" -l no-kernel-filter -d 'filter in sockwatch only'
complete -c sockwatch -n "$shared" -l exact -d 'every transition from the tracepoint'
complete -c sockwatch -n "$shared" -l no-exact -d 'poll only'
complete -c sockwatch -n "$shared" -l reconcile -r -d 'time between reconciling dumps'
complete -c sockwatch -n "$shared" -l no-color -d 'no colours'
complete -c sockwatch -n "$shared" -l ascii -d 'ASCII line drawing'
complete -c sockwatch -n "$shared" -l linger -x -d 'keep closed connections visible'
complete -c sockwatch -n "$shared" -l listen -x -d 'serve /metrics on PORT or ADDR:PORT'
complete -c sockwatch -n "$shared" -l textfile -r -d 'write the metrics to this file'
complete -c sockwatch -n "$shared" -l leak-threshold -x -d 'export leak groups of at least N sockets'
complete -c sockwatch -n "$shared" -s h -l help -d 'help'

# stack: a scenario, or script FILE, or list; then its options.
set -l scenario_given "__fish_seen_subcommand_from $scenarios script list"
complete -c sockwatch -n "$stack; and not $scenario_given" -a connect -d 'LISTEN, ESTABLISHED, CLOSE-WAIT'
complete -c sockwatch -n "$stack; and not $scenario_given" -a accept -d 'SYN-SENT, ESTABLISHED, TIME-WAIT'
complete -c sockwatch -n "$stack; and not $scenario_given" -a close-active -d 'FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT'
complete -c sockwatch -n "$stack; and not $scenario_given" -a close-passive -d 'CLOSE-WAIT, LAST-ACK'
complete -c sockwatch -n "$stack; and not $scenario_given" -a half-close -d 'CLOSE-WAIT, FIN-WAIT-2, TIME-WAIT'
complete -c sockwatch -n "$stack; and not $scenario_given" -a simultaneous-open -d 'SYN-SENT, SYN-RECEIVED, ESTABLISHED'
complete -c sockwatch -n "$stack; and not $scenario_given" -a simultaneous-close -d 'FIN-WAIT-1, CLOSING, TIME-WAIT'
complete -c sockwatch -n "$stack; and not $scenario_given" -a no-final-ack -d 'LISTEN, SYN-RECEIVED, ESTABLISHED'
complete -c sockwatch -n "$stack; and not $scenario_given" -a lost-last-ack -d 'CLOSE-WAIT, LAST-ACK'
complete -c sockwatch -n "$stack; and not $scenario_given" -a time-wait-reuse -d 'TIME-WAIT, SYN-RECEIVED, ESTABLISHED'
complete -c sockwatch -n "$stack; and not $scenario_given" -a rst -d 'resets in four states, a blind RST, an abort'
complete -c sockwatch -n "$stack; and not $scenario_given" -a leak -d '--count connections in CLOSE-WAIT'
complete -c sockwatch -n "$stack; and not $scenario_given" -a script -d 'run a script FILE'
complete -c sockwatch -n "$stack; and not $scenario_given" -a list -d 'print the scenario names'
complete -c sockwatch -n "$stack; and __fish_prev_arg_in script" -F
complete -c sockwatch -n "$stack" -l lab -x -a "(command ls /run/sockwatch/lab 2>/dev/null | string replace -r '\.conf\$' '')" -d 'the lab to run in'
complete -c sockwatch -n "$stack" -l if -x -a '(__fish_print_interfaces)' -d "the stack's interface"
complete -c sockwatch -n "$stack" -l addr -x -d "the stack's IPv4 address/prefix"
complete -c sockwatch -n "$stack" -l peer -x -d "the kernel peer's address"
complete -c sockwatch -n "$stack" -l netns -x -a '(command ls /run/netns 2>/dev/null)' -d "the kernel peer's namespace"
complete -c sockwatch -n "$stack" -l port -x -d "the kernel socket's port"
complete -c sockwatch -n "$stack" -l hold -x -d 'how long each state is held'
complete -c sockwatch -n "$stack" -l msl -x -d "the stack's MSL"
complete -c sockwatch -n "$stack" -l timeout -x -d 'longest wait for the kernel'
complete -c sockwatch -n "$stack" -l count -x -d 'connections for leak'
complete -c sockwatch -n "$stack" -l force -d "run on loopback or the default route's interface"
complete -c sockwatch -n "$stack" -l no-publish -d "do not show the stack's connections to the monitor"
complete -c sockwatch -n "$stack" -s q -l quiet -d 'only the result'
complete -c sockwatch -n "$stack" -s h -l help -d 'help'

# lab: up, down or status.
complete -c sockwatch -n "$lab; and not __fish_seen_subcommand_from up down status" -a up -d 'create the lab'
complete -c sockwatch -n "$lab; and not __fish_seen_subcommand_from up down status" -a down -d 'remove it'
complete -c sockwatch -n "$lab; and not __fish_seen_subcommand_from up down status" -a status -d 'say whether it is up'
complete -c sockwatch -n "$lab" -s n -l name -x -a "(command ls /run/sockwatch/lab 2>/dev/null | string replace -r '\.conf\$' '')" -d "the lab's name"
complete -c sockwatch -n "$lab" -s q -l quiet -d 'do not print the ip(8) commands'
complete -c sockwatch -n "$lab" -s h -l help -d 'help'
