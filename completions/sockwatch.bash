# bash completion for sockwatch
_sockwatch()
{
	local cur prev words cword
	_init_completion || return
	local commands="monitor dump watch states"
	local states="established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait closed close-wait last-ack listen closing all connected synchronized bucket big opening closing-states"
	local keywords="state exclude sport dport port src dst addr process comm pid uid netns and or not"
	local opts="-n --numeric -4 --ipv4 -6 --ipv6 -a --all -l --listening -i --info -m --memory -p --processes --json --jsonl --csv --prometheus --summary -H --no-header --sort -r --reverse --interval --count --duration --no-kernel-filter --no-color --ascii --linger -h --help"
	if [[ $cword -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$commands $opts" -- "$cur"))
		return
	fi
	case $prev in
	--sort) COMPREPLY=($(compgen -W "state local peer sport dport recvq sendq" -- "$cur")); return ;;
	--interval|--duration|--linger|--count) return ;;
	state|exclude) COMPREPLY=($(compgen -W "$states" -- "$cur")); return ;;
	esac
	if [[ ${words[1]} == states ]]; then
		COMPREPLY=($(compgen -W "$states" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$opts $keywords $states" -- "$cur"))
}
complete -F _sockwatch sockwatch
