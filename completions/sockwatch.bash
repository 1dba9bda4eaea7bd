# bash completion for sockwatch
_sockwatch_labs()
{
	local f
	for f in /run/sockwatch/lab/*.conf; do
		[[ -e $f ]] || continue
		f=${f##*/}
		printf '%s\n' "${f%.conf}"
	done
}

_sockwatch_stack()
{
	local scenarios="connect accept close-active close-passive half-close simultaneous-open simultaneous-close no-final-ack lost-last-ack time-wait-reuse rst leak"
	local opts="--lab --if --addr --peer --netns --port --hold --msl --timeout --count --force --no-publish -q --quiet -h --help"
	local i word arg=
	case $prev in
	--if) COMPREPLY=($(compgen -W "$(command ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
	--lab) COMPREPLY=($(compgen -W "$(_sockwatch_labs)" -- "$cur")); return ;;
	--netns) COMPREPLY=($(compgen -W "$(command ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
	--addr|--peer|--port|--hold|--msl|--timeout|--count) return ;;
	esac
	# The first word that is not an option or an option's argument.
	for ((i = 2; i < cword; i++)); do
		word=${words[i]}
		case $word in
		--lab|--if|--addr|--peer|--netns|--port|--hold|--msl|--timeout|--count) ((i++)) ;;
		-*) ;;
		*) arg=$word; break ;;
		esac
	done
	if [[ $arg == script && $prev == script ]]; then
		_filedir
		return
	fi
	if [[ -z $arg && $cur != -* ]]; then
		COMPREPLY=($(compgen -W "$scenarios script list" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}

_sockwatch_lab()
{
	local i word verb=
	case $prev in
	-n|--name) COMPREPLY=($(compgen -W "$(_sockwatch_labs)" -- "$cur")); return ;;
	esac
	for ((i = 2; i < cword; i++)); do
		word=${words[i]}
		case $word in
		-n|--name) ((i++)) ;;
		-*) ;;
		*) verb=$word; break ;;
		esac
	done
	if [[ -z $verb && $cur != -* ]]; then
		COMPREPLY=($(compgen -W "up down status" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "-n --name -q --quiet -h --help" -- "$cur"))
}

_sockwatch()
{
	local cur prev words cword
	_init_completion || return
	local states="established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait closed close-wait last-ack listen closing all connected synchronized bucket big opening closing-states"
	local keywords="state exclude sport dport port src dst addr process comm pid uid netns and or not"
	local commands="monitor dump watch leaks kill metrics states stack lab"
	local opts="-n --numeric -4 --ipv4 -6 --ipv6 -a --all -l --listening -i --info -m --memory -p --processes --json --jsonl --csv --prometheus --summary -H --no-header --sort -r --reverse --interval --count --duration --no-kernel-filter --no-color --ascii --linger --exact --no-exact --reconcile --listen --textfile --leak-threshold --netns --all-netns --watch --min-age --fail-over --yes -h --help"
	if [[ $cword -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$commands $opts" -- "$cur"))
		return
	fi
	case ${words[1]} in
	stack) _sockwatch_stack; return ;;
	lab) _sockwatch_lab; return ;;
	esac
	case $prev in
	--sort) COMPREPLY=($(compgen -W "state local peer sport dport recvq sendq" -- "$cur")); return ;;
	--interval|--duration|--linger|--count|--min-age|--fail-over) return ;;
	--netns) COMPREPLY=($(compgen -W "$(command ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
	--interval|--duration|--linger|--count|--listen|--leak-threshold) return ;;
	--textfile) _filedir prom; return ;;
	state|exclude) COMPREPLY=($(compgen -W "$states" -- "$cur")); return ;;
	esac
	if [[ ${words[1]} == states ]]; then
		COMPREPLY=($(compgen -W "$states" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$opts $keywords $states" -- "$cur"))
}
complete -F _sockwatch sockwatch
