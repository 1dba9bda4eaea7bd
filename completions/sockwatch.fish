# fish completion for sockwatch
set -l commands monitor dump watch states
set -l states established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait closed close-wait last-ack listen closing all connected synchronized bucket big opening closing-states
complete -c sockwatch -f
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a monitor -d 'the live monitor'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a dump -d 'print the TCP sockets once'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a watch -d 'stream state transitions'
complete -c sockwatch -n "not __fish_seen_subcommand_from $commands" -a states -d 'explain the eleven TCP states'
complete -c sockwatch -n "__fish_seen_subcommand_from states" -a "$states"
complete -c sockwatch -a "$states state exclude sport dport port src dst addr process comm pid uid netns and or not"
complete -c sockwatch -s n -l numeric -d 'port numbers, not service names'
complete -c sockwatch -s 4 -l ipv4 -d 'IPv4 only'
complete -c sockwatch -s 6 -l ipv6 -d 'IPv6 only'
complete -c sockwatch -s a -l all -d 'every state'
complete -c sockwatch -s l -l listening -d 'listeners only'
complete -c sockwatch -s i -l info -d 'tcp_info figures'
complete -c sockwatch -s m -l memory -d 'socket memory'
complete -c sockwatch -s p -l processes -d 'owning process'
complete -c sockwatch -l json -d 'one JSON document'
complete -c sockwatch -l jsonl -d 'JSON lines'
complete -c sockwatch -l csv -d 'comma-separated values'
complete -c sockwatch -l prometheus -d 'Prometheus text format'
complete -c sockwatch -l summary -d 'a count per state'
complete -c sockwatch -s H -l no-header -d 'no header line'
complete -c sockwatch -l sort -x -a 'state local peer sport dport recvq sendq' -d 'sort key'
complete -c sockwatch -s r -l reverse -d 'reverse the sort'
complete -c sockwatch -l interval -x -d 'time between polls'
complete -c sockwatch -l count -x -d 'stop after N events'
complete -c sockwatch -l duration -x -d 'stop after this long'
complete -c sockwatch -l no-kernel-filter -d 'filter in sockwatch only'
complete -c sockwatch -l no-color -d 'no colours'
complete -c sockwatch -l ascii -d 'ASCII line drawing'
complete -c sockwatch -l linger -x -d 'keep closed connections visible'
complete -c sockwatch -s h -l help -d 'help'
